"""A message on a connection is taken only from that connection's peer: one authcrypted to our key on the
connection by any other key (or anoncrypted) is dropped and counted."""

from __future__ import annotations

import json

import pytest

from mediator_tui.agents.interface import AgentTimeout, StartOptions
from mediator_tui.agents.native.agent import NativeAgent
from mediator_tui.agents.native.envelope import pack
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import message
from tests.native.fake_mediator import FakeMediator


@pytest.fixture
def connected():
    mediator = FakeMediator()
    agent = NativeAgent(timeout=5)
    agent.start(StartOptions(mediation_url=mediator.invitation_url()))
    yield mediator, agent
    agent.shutdown()
    mediator.stop()


def _basic_message(content: str) -> bytes:
    return json.dumps(message("basicmessage/1.0/message", content=content)).encode()


@pytest.mark.parametrize("sender", ["stranger", "anonymous"])
def test_a_message_on_a_connection_from_another_key_is_dropped(connected, sender):
    mediator, agent = connected
    _, agents_key = mediator.client
    forged = pack(_basic_message("forged"), [agents_key], KeyPair() if sender == "stranger" else None)
    mediator.push_raw(forged)
    agent.ping_mediator()
    assert agent.stats.foreign_senders == 1
    with pytest.raises(AgentTimeout):
        agent.receive_message(timeout=0.3)


def test_the_same_message_from_the_peer_is_taken(connected):
    mediator, agent = connected
    mediator.push(message("basicmessage/1.0/message", content="genuine"))
    assert agent.receive_message(timeout=3).content == "genuine"
    assert agent.stats.foreign_senders == 0
