"""Whatever a mediator sends down the socket, the agent survives it: undecodable data and well-encrypted
but nonsensical messages are counted, never raised into the reader, and the agent keeps working."""

import json

import gevent
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator_tui.agents.interface import AgentTimeout, StartOptions
from mediator_tui.agents.native.agent import NativeAgent
from mediator_tui.agents.native.envelope import pack
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import message
from tests.unit.agents.native.fake_mediator import FakeMediator

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3),
    max_leaves=15,
)
# messages that look like ours: real types and decorators with garbage around them
message_types = st.sampled_from(
    [
        "https://didcomm.org/trust_ping/1.0/ping",
        "https://didcomm.org/basicmessage/1.0/message",
        "https://didcomm.org/didexchange/1.1/request",
        "https://didcomm.org/didexchange/1.1/complete",
        "https://didcomm.org/messagepickup/2.0/delivery",
        "https://didcomm.org/issue-credential/2.0/offer-credential",
        "https://didcomm.org/report-problem/1.0/problem-report",
        "https://didcomm.org/routing/1.0/forward",
    ]
)
messages = st.fixed_dictionaries(
    {"@type": message_types | json_values},
    optional={
        "@id": json_values,
        "~thread": json_values | st.fixed_dictionaries({"thid": json_values}),
        "~attach": json_values,
        "content": json_values,
        "did": json_values,
        "response_requested": json_values,
        "description": json_values,
    },
)


@pytest.fixture(scope="module")
def connected():
    mediator = FakeMediator()
    agent = NativeAgent(timeout=5)
    agent.start(StartOptions(mediation_url=mediator.invitation_url()))
    yield mediator, agent
    agent.shutdown()
    mediator.stop()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages)
def test_nonsense_messages_leave_the_agent_working(connected, msg):
    mediator, agent = connected
    mediator.push(msg)
    gevent.sleep(0)
    agent.ping_mediator()
    assert agent.alive


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_undecodable_frames_are_counted_not_raised(connected, data):
    mediator, agent = connected
    before = agent.stats.unpack_errors
    mediator.push_raw(data)
    agent.ping_mediator()
    assert agent.alive and agent.stats.unpack_errors == before + 1
    assert agent.stats.last_problem.startswith("undecodable inbound message")


def _inbox(agent: NativeAgent) -> list[str]:
    contents = []
    while True:
        try:
            contents.append(agent.receive_message(timeout=0.3).content)
        except AgentTimeout:
            return contents


@pytest.mark.parametrize("sender", ["stranger", "anonymous"])
def test_a_message_on_a_connection_from_another_key_than_its_peers_is_dropped(connected, sender):
    """Our key on a connection is in our DID document: anyone may learn it, only the peer may speak on it."""
    mediator, agent = connected
    _, agents_key = mediator.client
    before = agent.stats.foreign_senders
    body = json.dumps(message("basicmessage/1.0/message", content=f"forged by {sender}")).encode()
    mediator.push_raw(pack(body, [agents_key], KeyPair() if sender == "stranger" else None))
    mediator.push(message("basicmessage/1.0/message", content="from the peer"))
    agent.ping_mediator()
    assert agent.stats.foreign_senders == before + 1
    inbox = _inbox(agent)
    assert "from the peer" in inbox and f"forged by {sender}" not in inbox
