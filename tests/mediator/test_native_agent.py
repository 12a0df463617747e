"""The native engine against real mediators, ACA-Py 1.7.0 and 0.12.8 (onboarding, ping, a basic message
between two agents through the mediator, all confirmed on the admin API) and Credo 0.5.19 (the same with
each pickup strategy: Credo offers message pickup v2, ACA-Py does not)."""

import json
import urllib.request

import pytest

from mediator_tui.agents.interface import AgentError, StartOptions
from mediator_tui.agents.native.agent import NativeAgent
from mediator_tui.agents.native.keys import key_from_reference
from mediator_tui.core.mediator.flavour import CONNECTIONS_V1, OOB
from tests.fixtures.native_agents import DIDEXCHANGE_10


@pytest.fixture(
    params=[
        ("acapy", OOB),
        ("acapy", DIDEXCHANGE_10),
        ("acapy-legacy", OOB),
        ("acapy-legacy", DIDEXCHANGE_10),
        ("acapy-legacy", CONNECTIONS_V1),
    ],
    ids=[
        "acapy-1.7-oob",
        "acapy-1.7-didexchange-1.0",
        "acapy-0.12-oob",
        "acapy-0.12-didexchange-1.0",
        "acapy-0.12-c_i",
    ],
)
def mediator_and_kind(request):
    flavour, kind = request.param
    fixture = "acapy_mediator" if flavour == "acapy" else "acapy_legacy_mediator"
    return request.getfixturevalue(fixture), kind


def admin_get(mediator, path: str) -> dict:
    with urllib.request.urlopen(f"{mediator.admin_url}{path}", timeout=10) as response:
        return json.load(response)


def test_onboarding_and_ping_are_confirmed_by_the_admin_api(mediator_and_kind, agents):
    mediator, kind = mediator_and_kind
    agent = agents(mediator, kind)
    for _ in range(3):
        agent.ping_mediator()

    connections = admin_get(mediator, "/connections?limit=10000")["results"]
    [connection] = [c for c in connections if c.get("their_label") == agent.label]
    assert connection["state"] in ("active", "completed")
    expected_protocol = {CONNECTIONS_V1: "connections/1.0", DIDEXCHANGE_10: "didexchange/1.0"}.get(
        kind, "didexchange/1.1"
    )
    assert connection["connection_protocol"].startswith(expected_protocol)

    requests = admin_get(mediator, f"/mediation/requests?conn_id={connection['connection_id']}")["results"]
    assert [r["state"] for r in requests] == ["granted"]

    keylist = admin_get(mediator, f"/mediation/keylists?conn_id={connection['connection_id']}&role=server")
    routed = {key_from_reference(k["recipient_key"]) for k in keylist["results"]}
    assert agent.inbound_verkey in routed


@pytest.mark.parametrize("mediator_fixture", ["acapy_mediator", "acapy_legacy_mediator"])
def test_basic_messages_travel_both_ways_through_the_mediator(mediator_fixture, request, agents):
    mediator = request.getfixturevalue(mediator_fixture)
    alice, bob = agents(mediator), agents(mediator)

    alice_to_bob = alice.receive_invitation(bob.create_invitation())
    alice.send_message(alice_to_bob, "hello bob")
    received = bob.receive_message()
    assert received.content == "hello bob"
    assert received.connection_id in bob.connection_ids

    bob.send_message(received.connection_id, "hello alice")
    assert alice.receive_message() == type(received)("hello alice", alice_to_bob)

    # both agents' routes are on the mediator: their connection keys were added to the keylist
    keys = {
        key_from_reference(k["recipient_key"])
        for k in admin_get(mediator, "/mediation/keylists?role=server&limit=10000")["results"]
    }
    assert {alice.inbound_verkey, bob.inbound_verkey} <= keys


@pytest.mark.parametrize(
    "strategy, in_use", [("implicit", "implicit"), ("pickup-v2", "pickup-v2"), ("pickup-v2-live", "pickup-v2-live")]
)
def test_every_pickup_strategy_carries_messages_through_a_credo_mediator(credo_mediator, agents, strategy, in_use):
    before = credo_mediator.counts()
    alice, bob = agents(credo_mediator, pickup_strategy=strategy), agents(credo_mediator, pickup_strategy=strategy)
    assert alice.stats.pickup == bob.stats.pickup == in_use
    alice.ping_mediator()

    alice_to_bob = alice.receive_invitation(bob.create_invitation())
    alice.send_message(alice_to_bob, f"hello bob ({strategy})")
    received = bob.receive_message()
    assert received.content == f"hello bob ({strategy})"
    bob.send_message(received.connection_id, "hello alice")
    assert alice.receive_message().content == "hello alice"

    after = credo_mediator.counts()
    assert after.granted_mediations - before.granted_mediations == 2
    # each agent routes its invitation key and one connection key
    assert after.keylist_routes - before.keylist_routes >= 4


def test_acapy_offers_no_pickup_v2_and_the_agent_says_it_falls_back(acapy_mediator, agents):
    agent = agents(acapy_mediator, pickup_strategy="pickup-v2-live")
    assert agent.stats.pickup == "implicit (mediator offers no messagepickup/2.0)"
    agent.ping_mediator()


def test_a_shut_down_agent_refuses_work_with_a_typed_error(acapy_mediator, agents):
    agent = agents(acapy_mediator)
    agent.shutdown()
    agent.shutdown()
    assert not agent.alive
    with pytest.raises(AgentError, match="not running"):
        agent.ping_mediator()


def test_a_bad_mediation_invitation_is_a_protocol_error_naming_the_problem():
    agent = NativeAgent(timeout=5)
    with pytest.raises(AgentError, match="no oob= or c_i="):
        agent.start(StartOptions(mediation_url="http://127.0.0.1:1/?nothing=here"))
