"""The message scenarios take only the message they sent: a late one from an earlier task (another nonce)
is skipped and the wait goes on until the timeout. On a scripted inbox here; under Locust in
tests/integration/test_basic_messages.py; against a real issuer in tests/e2e/test_locustfiles.py."""

import time

import gevent
import gevent.queue
import pytest

from mediator_tui.agents.interface import AgentTimeout, ReceivedMessage
from mediator_tui.locust_support.basic_messages import receive_content, receive_contents, tagged


class ScriptedInbox:
    """The part of an agent these waits use: messages arrive when the test says."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.arrivals: gevent.queue.Queue = gevent.queue.Queue()

    def arrive_later(self, seconds: float, content: str) -> None:
        gevent.spawn_later(seconds, self.arrivals.put, ReceivedMessage(content, "c1"))

    def receive_message(self, timeout: float | None = None) -> ReceivedMessage:
        try:
            return self.arrivals.get(timeout=self.timeout if timeout is None else timeout)
        except gevent.queue.Empty:
            raise AgentTimeout(f"no basic message arrived within {timeout:g} s") from None


def test_each_message_carries_a_nonce_of_its_own():
    first, second = tagged("ping"), tagged("ping")
    assert first.startswith("ping #") and second.startswith("ping #") and first != second


def test_a_late_message_of_an_earlier_task_is_skipped_and_the_current_one_taken():
    agent = ScriptedInbox(timeout=2)
    earlier, current = tagged("ping"), tagged("ping")
    agent.arrive_later(0, earlier)
    agent.arrive_later(0.3, current)
    assert receive_content(agent, current).content == current  # the earlier one came first
    assert agent.arrivals.empty()


def test_only_other_messages_is_a_timeout_after_the_agents_timeout_saying_so():
    agent = ScriptedInbox(timeout=1.0)
    for delay in (0, 0.3, 0.6):
        agent.arrive_later(delay, tagged("ping"))
    expected = tagged("ping")
    started = time.monotonic()
    with pytest.raises(AgentTimeout, match=r"no message 'ping #[0-9a-f]{12}' within 1 s \(3 other messages skipped\)"):
        receive_content(agent, expected)
    # The skipped messages do not restart the clock: restarted by the last, it would end at 1.6 s or later;
    # the half second between leaves room for a loaded host's late wake-ups.
    assert 0.95 <= time.monotonic() - started < 1.5


def test_several_messages_are_taken_as_they_come_and_the_missing_ones_counted():
    agent = ScriptedInbox(timeout=0.6)
    wanted = [tagged("ping") for _ in range(3)]
    other = tagged("ping")
    for delay, content in ((0, wanted[2]), (0.1, other), (0.2, wanted[0])):
        agent.arrive_later(delay, content)
    read = []
    with pytest.raises(
        AgentTimeout, match=r"^1 of 3 messages did not arrive within 0.6 s \(2 did, 1 other message skipped\)$"
    ):
        receive_contents(agent, wanted, read.append)
    assert read == [wanted[2], other, wanted[0]]  # the ledger hears of each, skipped or not
    agent.arrive_later(0, wanted[1])
    assert [m.content for m in receive_contents(agent, [wanted[1]])] == [wanted[1]]


def test_nothing_at_all_is_the_agents_own_timeout():
    with pytest.raises(AgentTimeout, match="no basic message arrived within 0.2 s"):
        receive_content(ScriptedInbox(timeout=0.2), tagged("ping"))
