"""Message pickup v2 (live and polled), reconnects and refusals, against a fake mediator that offers what
ACA-Py does not (pickup v2), drops the socket and refuses mediation when told."""

import time

import gevent
import pytest

from mediator_tui.agents.interface import AgentCrashed, AgentTimeout, ProblemReport, StartOptions, TransportError
from mediator_tui.agents.native import pickup_strategy, transport
from mediator_tui.agents.native.agent import NativeAgent
from tests.unit.agents.native.fake_mediator import FakeMediator, basic_message_for


@pytest.fixture
def mediator():
    fake = FakeMediator()
    yield fake
    fake.stop()


def started(mediator, strategy: str) -> NativeAgent:
    agent = NativeAgent(timeout=5)
    agent.start(StartOptions(mediation_url=mediator.invitation_url(), pickup_strategy=strategy))
    return agent


def test_live_mode_delivers_at_once_and_acknowledges(mediator):
    agent = started(mediator, "pickup-v2-live")
    try:
        assert agent.stats.pickup == "pickup-v2-live" and mediator.live
        mediator.hold(basic_message_for(agent.inbound_verkey, "live one"))
        assert agent.receive_message().content == "live one"
        agent.ping_mediator()  # by now the messages-received has gone out before the ping
        assert len(mediator.received_ids) == 1 and not mediator.queue
        counted = agent.pickup_messages
        assert {counted.get(name) for name in ("live-delivery-change", "status-request", "messages-received")} == {1}
        assert counted["delivery"] == 1 and counted["status"] >= 1
    finally:
        agent.shutdown()


def test_polled_pickup_v2_fetches_queued_messages_while_waiting(mediator):
    agent = started(mediator, "pickup-v2")
    try:
        mediator.hold(basic_message_for(agent.inbound_verkey, "queued one"))
        assert agent.receive_message().content == "queued one"
        assert "messagepickup/2.0/delivery-request" in mediator.seen_types
    finally:
        agent.shutdown()


def server_side_closed(mediator) -> None:
    with gevent.Timeout(2, AssertionError("the wallet's socket was not closed")):
        while not mediator.socket.closed:
            gevent.sleep(0.01)


QUICK_POLL_S = 0.05  # a wait's first poll, in the waits that must see nothing arrive
NOTHING_WAIT_S = 0.3  # long enough for polls at 0.05 s and 0.15 s


# implicit against a mediator without pickup v2, which sends what it queued down the client's socket (ACA-Py)
@pytest.mark.parametrize(
    "strategy, offers_pickup_v2", [("implicit", False), ("pickup-v2", True), ("pickup-v2-live", True)]
)
def test_what_is_queued_while_offline_stays_with_the_mediator_and_is_collected_once_on_return(
    strategy, offers_pickup_v2, monkeypatch
):
    # The waits that must see nothing arrive poll early, so that a few polls fit in a short wait.
    monkeypatch.setattr(pickup_strategy, "PICKUP_POLL_FIRST_SECONDS", QUICK_POLL_S)
    mediator = FakeMediator(offers_pickup_v2=offers_pickup_v2)
    agent = started(mediator, strategy)
    try:
        agent.go_offline()
        server_side_closed(mediator)
        asked = len(mediator.seen_types)
        away = [f"while away #{n}" for n in range(3)]
        for content in away:
            mediator.hold(basic_message_for(agent.inbound_verkey, content))
        began = time.monotonic()
        with pytest.raises(AgentTimeout):
            agent.receive_message(timeout=NOTHING_WAIT_S)  # offline: nothing is collected, however long it waits
        assert time.monotonic() - began < NOTHING_WAIT_S + 1.3, "an offline wallet's wait outlasted its own timeout"
        assert len(mediator.queue) == 3 and mediator.server.connections == 1
        assert mediator.seen_types[asked:] == [], "the offline wallet still talked to its mediator"

        # Back to the first poll at 1 s in: what comes before it was asked for on return.
        monkeypatch.setattr(pickup_strategy, "PICKUP_POLL_FIRST_SECONDS", 1.0)
        began = time.monotonic()
        agent.come_online()
        assert mediator.server.connections == 2 and agent.alive
        assert [agent.receive_message().content for _ in away] == away
        # asked for at once on return, not at the first poll of a wait (1 s in)
        assert time.monotonic() - began < 0.9
        monkeypatch.setattr(pickup_strategy, "PICKUP_POLL_FIRST_SECONDS", QUICK_POLL_S)
        polls = agent.stats.pickup_polls
        with pytest.raises(AgentTimeout):
            agent.receive_message(timeout=NOTHING_WAIT_S)  # none twice, polls included
        assert (agent.stats.pickup_polls > polls) == (strategy != "pickup-v2-live"), "live mode never polls"
        assert mediator.queue == []
        if strategy != "implicit":
            assert len(mediator.received_ids) == 3, "the wallet did not acknowledge each (messages-received)"
        agent.ping_mediator()
    finally:
        agent.shutdown()
        mediator.stop()


@pytest.mark.parametrize("name", ["PickUpV2LiveMode", "pickup_v2", "pickup-v1"])
def test_a_pickup_strategy_outside_the_settings_names_is_refused_naming_them(mediator, name):
    with pytest.raises(
        ValueError, match=f"unknown pickup strategy '{name}'; choose one of implicit, pickup-v2, pickup-v2-live"
    ):
        NativeAgent(timeout=5).start(StartOptions(mediation_url=mediator.invitation_url(), pickup_strategy=name))


def test_mediator_without_pickup_v2_falls_back_to_implicit_and_says_so():
    mediator = FakeMediator(offers_pickup_v2=False)
    agent = started(mediator, "pickup-v2-live")
    try:
        assert agent.stats.pickup.startswith("implicit (mediator offers no messagepickup/2.0")
        agent.ping_mediator()
    finally:
        agent.shutdown()
        mediator.stop()


def test_dropped_socket_is_reconnected_counted_and_live_mode_renewed(mediator, monkeypatch):
    monkeypatch.setattr(transport, "BACKOFF_BASE_SECONDS", 0.01)
    agent = started(mediator, "pickup-v2-live")
    try:
        mediator.drop_next = True
        mediator.live = False
        with pytest.raises(TransportError, match="mediator connection reset while waiting for the trust ping"):
            agent.ping_mediator()  # this ping dies with the socket: nobody answers it
        agent.ping_mediator()
        assert agent.reconnects == 1 and mediator.server.connections == 2
        assert mediator.live, "live mode was not asked for again after the reconnect"
    finally:
        agent.shutdown()


def test_a_reset_while_a_ping_waits_fails_it_at_once_naming_the_reset_and_the_next_ping_goes_through(
    mediator, monkeypatch
):
    monkeypatch.setattr(transport, "BACKOFF_BASE_SECONDS", 0.01)
    agent = started(mediator, "implicit")
    try:
        mediator.ping_stall_s, mediator.reset_at_ping = 0.3, True
        began = time.monotonic()
        with pytest.raises(TransportError) as failure:
            agent.ping_mediator()
        assert time.monotonic() - began < 1.5, "the ping waited on after its socket was gone"
        assert str(failure.value) == (
            "mediator connection reset while waiting for the trust ping response from "
            "the mediator (websocket connection dropped by the server)"
        )
        mediator.ping_stall_s, mediator.reset_at_ping = 0.0, False
        agent.ping_mediator()
        assert agent.alive and agent.reconnects == 1
    finally:
        agent.shutdown()


def test_a_mediator_that_stalls_without_a_reset_is_waited_for(mediator, monkeypatch):
    monkeypatch.setattr(pickup_strategy, "PICKUP_POLL_FIRST_SECONDS", QUICK_POLL_S)
    agent = started(mediator, "implicit")
    try:
        mediator.ping_stall_s = 0.5  # past a few polls, well within the agent's timeout
        polls = agent.stats.pickup_polls
        began = time.monotonic()
        agent.ping_mediator()
        assert time.monotonic() - began >= 0.5 and agent.reconnects == 0
        assert agent.stats.pickup_polls > polls  # the wait went on polling through the stall
    finally:
        agent.shutdown()


def test_unknown_pickup_strategy_is_refused_naming_the_choices(mediator):
    with pytest.raises(ValueError, match="pickup-v2-live"):
        NativeAgent(timeout=5).start(StartOptions(mediation_url=mediator.invitation_url(), pickup_strategy="pull"))


def abandoned_agent(monkeypatch, outage_s: float) -> tuple[NativeAgent, list[str]]:
    """An agent whose mediator stops for good (its next message drops the socket), and the deaths it
    reports to its owner; its link gives up after `outage_s`."""
    monkeypatch.setattr(transport, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(transport, "MAX_OUTAGE_SECONDS", outage_s)
    mediator = FakeMediator()
    agent = started(mediator, "implicit")
    deaths = []
    agent.on_death(lambda: deaths.append(agent.crash_reason))
    mediator.drop_next = True
    mediator.stop()
    return agent, deaths


def test_mediator_gone_for_good_makes_the_agent_crashed_with_the_reason(monkeypatch):
    agent, deaths = abandoned_agent(monkeypatch, 0.5)
    try:
        with pytest.raises(TransportError, match="mediator connection reset while waiting"):
            agent.ping_mediator()
        gevent.sleep(0.7)  # past the outage limit: the link gives up
        with pytest.raises(AgentCrashed) as crashed:
            agent.ping_mediator()
        assert not agent.alive and "reconnects in 0.5 s failed" in crashed.value.reason
        gevent.sleep(0.1)  # the owner's callback runs in a greenlet of its own
        assert len(deaths) == 1 and "reconnects in 0.5 s failed" in deaths[0]  # its owner was told, once
    finally:
        agent.shutdown()


def test_an_agent_shut_down_while_reconnecting_reports_no_death(monkeypatch):
    agent, deaths = abandoned_agent(monkeypatch, 0.3)
    ping = gevent.spawn(agent.ping_mediator)  # drops the socket: the link starts reconnecting
    gevent.sleep(0.1)
    agent.shutdown()
    gevent.sleep(0.5)  # past the outage limit, had the link gone on trying
    assert deaths == [] and not agent.alive and ping.ready()


@pytest.mark.parametrize("answer, text", [("problem", "mediation is closed today"), ("deny", "mediate-deny")])
def test_refused_mediation_is_a_problem_report_with_its_text(answer, text):
    mediator = FakeMediator(mediation_answer=answer)
    agent = NativeAgent(timeout=5)
    try:
        with pytest.raises(ProblemReport, match=text):
            agent.start(StartOptions(mediation_url=mediator.invitation_url()))
        assert not agent.alive
    finally:
        agent.shutdown()
        mediator.stop()
