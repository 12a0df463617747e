"""Message pickup v2 (Aries RFC 0685) proven against the project's Credo mediator, both engines: each
wallet's count of the messagepickup/2.0 messages it sent and received (`Agent.pickup_messages`) shows
which protocol carried what arrived, not only that it arrived."""

from __future__ import annotations

import pytest

from mediator_tui.agents.factory import ENGINES, create_agent
from mediator_tui.agents.interface import StartOptions

TIMEOUT = 30.0
MESSAGES = 3


def wallets_of(mediator):
    started = []

    def make(engine: str, strategy: str):
        agent = create_agent(engine, TIMEOUT)
        started.append(agent)
        agent.start(StartOptions(mediation_url=mediator.invitation_url, pickup_strategy=strategy))
        return agent

    yield make
    for agent in started:
        agent.shutdown()


@pytest.fixture
def wallets(credo_mediator):
    yield from wallets_of(credo_mediator)


@pytest.fixture
def queued_wallets(queueing_credo_mediator):
    yield from wallets_of(queueing_credo_mediator)


def exchanged(wallets, engine: str, strategy: str):
    """Bob, once he has received MESSAGES basic messages from Alice through the mediator."""
    alice, bob = wallets(engine, strategy), wallets(engine, strategy)
    to_bob = alice.receive_invitation(bob.create_invitation())
    sent = [f"{strategy} #{n}" for n in range(MESSAGES)]
    for content in sent:
        alice.send_message(to_bob, content)
    assert sorted(bob.receive_message().content for _ in sent) == sent
    return bob


@pytest.mark.parametrize("engine", ENGINES)
def test_implicit_pickup_sends_no_pickup_message(wallets, engine):
    assert exchanged(wallets, engine, "implicit").pickup_messages == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_live_mode_is_asked_for_and_the_mediator_pushes_without_delivery_requests(wallets, engine):
    counted = exchanged(wallets, engine, "pickup-v2-live").pickup_messages
    assert counted.get("live-delivery-change") == 1 and counted.get("status-request") == 1
    # the mediator answers both with a status
    assert counted.get("status", 0) >= 2
    assert counted.get("delivery-request", 0) == 0


def test_credo_wallets_poll_with_pickup_v2_and_acknowledge_each_delivery(wallets):
    counted = exchanged(wallets, "credo", "pickup-v2").pickup_messages
    assert counted.get("status-request", 0) >= 1 and counted.get("status", 0) >= 1
    assert counted.get("delivery-request", 0) >= 1 and counted.get("delivery", 0) >= 1
    assert counted.get("messages-received") == counted["delivery"]


def test_native_wallets_set_up_polled_pickup_v2_and_the_mediator_forwards_down_their_open_socket(wallets):
    # The Credo mediator's default forwarding (DirectDelivery) sends over any session the wallet holds; the
    # native wallet keeps one open with return_route, so what it polls for arrives before the poll.
    counted = exchanged(wallets, "native", "pickup-v2").pickup_messages
    assert counted.get("status-request") == 1 and counted.get("status", 0) >= 1
    assert counted.get("live-delivery-change", 0) == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_a_mediator_that_queues_hands_messages_to_live_mode_in_pickup_v2_deliveries(queued_wallets, engine):
    # QueueAndLiveModeDelivery: nothing goes straight down the socket; what arrives came in `delivery`
    # messages, each acknowledged
    counted = exchanged(queued_wallets, engine, "pickup-v2-live").pickup_messages
    assert counted.get("live-delivery-change") == 1
    assert counted.get("delivery", 0) >= 1
    assert counted.get("messages-received") == counted["delivery"]
