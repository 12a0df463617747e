"""The credo engine's link to its agent process: replies by id, bad output, death, shutdown.

A Python stand-in (tests/data/fake_credo_agent.py) plays the agent so each fault
can be made on demand; the real agent is tested in tests/mediator/test_credo_agent.py.
"""

from __future__ import annotations

import os
import sys
import time

import gevent
import pytest

from mediator_tui.agents.credo.agent import CredoAgent
from mediator_tui.agents.credo.channel import NodeChannel, error_from_reply
from mediator_tui.agents.interface import (
    AgentCrashed,
    AgentError,
    AgentTimeout,
    ProblemReport,
    ProtocolError,
    StartOptions,
    TransportError,
)
from tests.support.paths import FAKE_CREDO_AGENT

FAKE = [sys.executable, str(FAKE_CREDO_AGENT)]


@pytest.fixture
def channel():
    events, exits = [], []
    opened = NodeChannel(FAKE, dict(os.environ), on_event=events.append, on_exit=exits.append, max_line_bytes=1 << 16)
    opened.events, opened.exits = events, exits
    yield opened
    opened.close(term_after=1, kill_after=1)


def test_concurrent_commands_each_get_their_own_reply(channel):
    slow = gevent.spawn(channel.request, "ping_mediator", {"behave": "late", "delay": 0.5}, 5)
    gevent.sleep(0.05)
    fast = channel.request("createInvitation", {}, 5)
    assert fast == {"echo": "createInvitation", "timeoutMs": 4500}
    assert slow.get(timeout=5) == {"late": 1}


def test_late_reply_is_dropped_not_taken_for_the_next_command(channel):
    with pytest.raises(AgentTimeout, match="no answer within 0.3 s"):
        channel.request("ping_mediator", {"behave": "late", "delay": 0.6}, 0.3)
    # The late reply arrives while nothing waits: 0.6 s after the command on an idle host, later on a
    # loaded one, so wait for it (a bound for a reply that will come, not a figure of speed).
    wait_for(lambda: channel.late_replies, within=30)
    assert channel.request("createInvitation", {}, 5)["echo"] == "createInvitation"
    assert channel.late_replies == 1


@pytest.mark.parametrize(
    "behave, text", [("garbage", "not JSON"), ("array", "not an object"), ("huge", "a line of 3145729 bytes")]
)
def test_a_line_that_is_not_protocol_fails_the_waiting_command_and_the_link_goes_on(channel, behave, text):
    with pytest.raises(ProtocolError, match=text):
        channel.request("ping_mediator", {"behave": behave}, 5)
    assert channel.running
    assert channel.request("ping_mediator", {}, 5)["echo"] == "ping_mediator"
    assert channel.garbage_lines == 1


def test_events_are_handed_over_apart_from_replies(channel):
    channel.request("receiveMessage", {"behave": "message", "content": "hello"}, 5)
    assert {"event": "message", "content": "hello", "connectionId": "c1"} in channel.events


@pytest.mark.parametrize(
    "name, message, error",
    [
        ("TimeoutError", "timed out after 100 ms waiting for the trust ping response", AgentTimeout),
        ("CredoError", "Problem report received: not found", ProblemReport),
        ("ProblemReportError", "abandoned", ProblemReport),
        ("MessageSendingError", "Message is undeliverable to connection x", TransportError),
        (
            "LinkResetError",
            "mediator connection reset while waiting for the trust ping response from the mediator "
            "(http://127.0.0.1:9: fetch failed: other side closed)",
            TransportError,
        ),
        ("TypeError", "invitationUrl is required", AgentError),
    ],
)
def test_error_replies_become_typed_errors_with_the_real_message(name, message, error):
    raised = error_from_reply("ping_mediator", {"name": name, "message": message})
    assert type(raised) is error
    assert message in str(raised)


def test_a_dead_process_fails_the_waiting_command_with_its_exit_and_last_words(channel):
    started = time.monotonic()
    with pytest.raises(AgentCrashed) as crashed:
        channel.request("ping_mediator", {"behave": "die"}, 60)
    assert time.monotonic() - started < 30  # on the death, long before the command's timeout
    assert "exited with code 3 (fatal: the wallet fell over)" in str(crashed.value)
    assert "the wallet fell over" in crashed.value.reason
    assert channel.exits == [channel]


def wait_for(condition, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        gevent.sleep(0.01)


def fake_agent(**kwargs) -> CredoAgent:
    return CredoAgent(timeout=5, command=FAKE, **kwargs)


def test_a_killed_agent_is_noticed_at_once_tells_its_owner_and_keeps_its_reason():
    deaths = []
    agent = fake_agent()
    agent.on_death(lambda: deaths.append(agent.crash_reason))
    agent.start(StartOptions(mediation_url="http://127.0.0.1:1"))
    try:
        pid = agent.pid
        os.kill(pid, 9)
        wait_for(lambda: deaths, within=30)  # with no command waiting: a bound, not a speed
        assert not agent.alive
        assert deaths == ["agent process killed by SIGKILL"]
        assert [c.pid for c in agent.crashes] == [pid]
        with pytest.raises(AgentCrashed):
            agent.ping_mediator()
    finally:
        agent.shutdown()


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_crashed_agent_says_so_once_then_stays_dead_and_leaves_no_pipe_open():
    warm = fake_agent()  # gevent's hub opens its own descriptors on first use
    warm.start(StartOptions(mediation_url="http://127.0.0.1:1"))
    warm.shutdown()
    files_before = open_files()
    agent = fake_agent()
    agent.start(StartOptions(mediation_url="http://127.0.0.1:1"))
    try:
        os.kill(agent.pid, 9)
        wait_for(lambda: agent.crashes)
        with pytest.raises(AgentCrashed, match="killed by SIGKILL") as crashed:
            agent.ping_mediator()
        assert "stderr:" in crashed.value.reason
        with pytest.raises(AgentCrashed):  # the dead state, not a second report of the crash
            agent.ping_mediator()
        assert not agent.alive and agent.pid is None and len(agent.crashes) == 1
    finally:
        agent.shutdown()
    assert open_files() == files_before  # the dead process's pipes are not left open


def test_a_reopened_mediator_socket_is_a_reconnect_the_first_one_is_not():
    agent = fake_agent()
    agent.start(StartOptions(mediation_url="http://127.0.0.1:1"))
    try:
        assert agent.reconnects == 0
        agent._call("ping_mediator", behave="reconnect")
        assert agent.reconnects == 1
    finally:
        agent.shutdown()


def test_messages_arriving_between_calls_are_kept_for_receive_message():
    agent = fake_agent()
    agent.start(StartOptions(mediation_url="http://127.0.0.1:1"))
    try:
        agent._call("sendMessage", behave="message", content="first")
        agent._call("sendMessage", behave="message", content="second")
        assert [agent.receive_message().content for _ in range(2)] == ["first", "second"]
    finally:
        agent.shutdown()
