"""A wallet whose link to its mediator goes half-open (a phone that lost its network: no close, no reset,
bytes just stop), against the project's Credo mediator, native engine: the wallet's websocket runs through
a fault proxy (tests/fixtures/tcp_proxy.py) that the mediator advertises as its websocket endpoint.

What the mediator sends meanwhile goes into a dead socket; the test asserts what reaches the wallet once it
has reconnected: the finding recorded in docs/reliability.md "What each mediator keeps and loses in a fault"."""

from __future__ import annotations

import time

import gevent
import pytest

from mediator_tui.agents.interface import AgentTimeout, StartOptions
from mediator_tui.agents.native.agent import NativeAgent
from tests.fixtures.mediators import queued_messages
from tests.fixtures.tcp_proxy import proxied_mediator

TIMEOUT = 30.0
DURING = 3
# long enough for the mediator to have forwarded everything into the dead socket
HALF_OPEN_SECONDS = 3.0
RECONNECT_SECONDS = 20.0


@pytest.fixture
def proxied_credo_mediator(tmp_path):
    """(Credo mediator advertising the proxy as its websocket endpoint, the proxy)."""
    yield from proxied_mediator("credo", tmp_path / "credo-behind-proxy")


def received_until(agent, last: str, seconds: float) -> list[str]:
    """Contents arriving at `agent` until `last` has (and a moment more for stragglers), or `seconds`."""
    got: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(agent.receive_message(timeout=1.0 if last in got else deadline - time.monotonic()).content)
        except AgentTimeout:
            if last in got:
                break
    return got


@pytest.mark.parametrize("strategy", ["implicit", "pickup-v2-live"])
def test_messages_forwarded_to_a_half_open_wallet_are_lost_by_the_credo_mediator(
    proxied_credo_mediator, credo_mediator, strategy
):
    mediator, proxy = proxied_credo_mediator
    alice, bob = NativeAgent(timeout=TIMEOUT), NativeAgent(timeout=TIMEOUT)
    try:
        alice.start(StartOptions(mediation_url=mediator.invitation_url, pickup_strategy=strategy))
        # bob's own link does not run through the proxy: only alice's goes half-open
        bob.start(StartOptions(mediation_url=credo_mediator.invitation_url))
        to_alice = bob.receive_invitation(alice.create_invitation())
        bob.send_message(to_alice, "before")
        assert alice.receive_message().content == "before"
        assert proxy.accepted >= 1

        proxy.blackhole()
        during = [f"during #{n}" for n in range(DURING)]
        for content in during:
            bob.send_message(to_alice, content)
        gevent.sleep(HALF_OPEN_SECONDS)
        # not held for later: the mediator wrote them into the dead socket (DirectDelivery, credo-ts #1570)
        assert queued_messages(mediator) == 0
        # the wallet learns its link is dead (here: it is closed at last) and reconnects to a working one
        proxy.cut()
        proxy.restore()
        deadline = time.monotonic() + RECONNECT_SECONDS
        while alice.reconnects < 1 and time.monotonic() < deadline:
            gevent.sleep(0.1)
        assert alice.reconnects >= 1, "the wallet did not reconnect through the proxy"
        bob.send_message(to_alice, "after")

        got = received_until(alice, "after", TIMEOUT)
        print(f"\nhalf-open credo {strategy}: received {got}")
        assert "after" in got, "the reconnected wallet gets new messages"
        kept = [c for c in got if c in during]
        assert kept == [], (
            f"the mediator now keeps {kept}: docs/reliability.md "
            '"What each mediator keeps and loses in a fault" says lost'
        )
    finally:
        alice.shutdown()
        bob.shutdown()
