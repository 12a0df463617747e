"""A native agent's wallet saved and resumed: the same wallet comes back without onboarding, a mediator that
forgot it refuses it, a damaged record is an error naming its field; and the reconnect policies."""

import json

import gevent
import pytest

from mediator_tui.agents.interface import ProblemReport, ProtocolError, StartOptions, TransportError
from mediator_tui.agents.native import transport
from mediator_tui.agents.native.agent import NativeAgent
from mediator_tui.agents.native.transport import reconnect_delay
from tests.unit.agents.native.fake_mediator import FakeMediator, basic_message_for


@pytest.fixture
def mediator():
    fake = FakeMediator(offers_pickup_v2=False)
    yield fake
    fake.stop()


def onboarded_wallet(mediator: FakeMediator) -> dict:
    agent = NativeAgent(timeout=5)
    agent.start(StartOptions(mediation_url=mediator.invitation_url()))
    try:
        # through a file, as a population keeps it
        return json.loads(json.dumps(agent.saved_wallet()))
    finally:
        agent.shutdown()


def test_a_resumed_wallet_is_the_same_wallet_and_makes_no_handshake_nor_mediation_request(mediator):
    wallet = onboarded_wallet(mediator)
    onboarding_types = list(mediator.seen_types)
    agent = NativeAgent(timeout=5)
    agent.resume(wallet, StartOptions())
    try:
        new_types = mediator.seen_types[len(onboarding_types) :]
        assert not [t for t in new_types if "didexchange" in t or "mediate-request" in t or "keylist" in t], new_types
        agent.ping_mediator()
        # messages routed to the saved inbound key still reach it
        mediator.hold(basic_message_for(agent.inbound_verkey, "for the saved wallet"))
        agent.ping_mediator()
        assert agent.receive_message(timeout=5).content == "for the saved wallet"
        assert agent.saved_wallet() == wallet
    finally:
        agent.shutdown()


class ForgetfulKeys(dict):
    """A mediator's keys after its wallet was reset: what is packed for a key it no longer has gets no answer,
    as ACA-Py gives none."""

    def get(self, key, default=None):
        if key not in self:
            gevent.sleep(30)
        return super().get(key, default)


def test_a_mediator_that_forgot_the_wallet_refuses_it_with_a_message_naming_why(mediator):
    wallet = onboarded_wallet(mediator)
    mediator.keys = ForgetfulKeys({mediator.invitation_key.verkey: mediator.invitation_key})
    agent = NativeAgent(timeout=1)
    with pytest.raises(ProblemReport, match="may no longer know it"):
        agent.resume(wallet, StartOptions())
    assert not agent.alive


def test_a_link_reset_while_resuming_is_a_transport_error_not_a_claim_that_the_wallet_is_unknown(mediator):
    wallet = onboarded_wallet(mediator)
    mediator.reset_at_ping = True  # as a mediator restarting under the wallet
    with pytest.raises(TransportError, match="reset") as error:
        NativeAgent(timeout=2).resume(wallet, StartOptions())
    assert "no longer know" not in str(error.value)


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda w: w.pop("mediator_key_seed"), "mediator_key_seed"),
        (lambda w: w.update(inbound_key_seed="AAAA"), "inbound_key_seed"),
        (lambda w: w.update(mediator_their_key="not base58 0OIl"), "mediator_their_key"),
        (lambda w: w.update(grant_routing_keys="x"), "grant_routing_keys"),
        (lambda w: w.update(engine="credo"), "engine 'credo'"),
    ],
)
def test_a_damaged_wallet_record_is_refused_naming_the_field(mediator, damage, named):
    wallet = onboarded_wallet(mediator)
    damage(wallet)
    with pytest.raises(ProtocolError, match=named):
        NativeAgent(timeout=1).resume(wallet, StartOptions())


def test_an_agent_that_never_onboarded_has_no_wallet_to_save():
    agent = NativeAgent(timeout=1)
    agent.start(StartOptions(with_mediation=False))
    with pytest.raises(ProtocolError, match="no wallet|has a wallet"):
        agent.saved_wallet()
    agent.shutdown()


def test_reconnect_policies_wait_as_named():
    # backoff: Credo's 100 ms doubling without cap or jitter
    assert [reconnect_delay("backoff", n) for n in range(4)] == [0.1, 0.2, 0.4, 0.8]
    assert reconnect_delay("backoff", 12) == pytest.approx(409.6)
    assert reconnect_delay("immediate", 0) == 0.0
    assert reconnect_delay("immediate", 5) == transport.IMMEDIATE_RETRY_SECONDS
    assert reconnect_delay("backoff-jitter", 40, rng=lambda: 0.0) == transport.BACKOFF_CAP_SECONDS / 2


def test_an_unknown_reconnect_policy_is_refused_naming_the_policies(mediator):
    with pytest.raises(ValueError, match="immediate, backoff, backoff-jitter"):
        NativeAgent(timeout=1).start(StartOptions(mediation_url=mediator.invitation_url(), reconnect_policy="soon"))
