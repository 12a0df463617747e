"""The embedded ACA-Py behind the tool's own nginx (MEDIATOR_PROXY=nginx): agents onboard, ping and message
through it, websocket upgrades reach the mediator's ws port and the rest its http port, an idle websocket is
closed by the proxy and reopened (counted) by the agent, and nothing runs once the mediator stops."""

from __future__ import annotations

import re
import time
from pathlib import Path

import gevent
import pytest

from mediator_tui.agents.interface import AgentError
from mediator_tui.core.mediator import LocalMediator
from mediator_tui.core.mediator.process import port_in_use
from mediator_tui.core.mediator.proxy import NGINX, ProxySetting
from mediator_tui.core.processes import group_members

# ACA-Py pings every websocket every 3 s (--ws-heartbeat-interval, its default in 0.12.8 and 1.7.0): an idle
# timeout below that closes a quiet socket, one above it never does. The Credo mediator sends none.
ACAPY_HEARTBEAT_S = 3.0
SHORT_IDLE_S = 2.0
LONG_IDLE_S = 6.0
LOG_FLUSH_S = 1.0
RECOVERY_S = 15.0  # the access log's `flush=1s`


def upstreams(access_log: Path) -> list[tuple[str, ...]]:
    """(method, upgrade header, upstream address) of each request in the proxy's access log so far."""
    pattern = re.compile(r"\S+ (\S+) \d+ upgrade=(\S+) upstream=(\S+)")
    time.sleep(LOG_FLUSH_S + 0.5)
    text = access_log.read_text() if access_log.exists() else ""
    return [m.groups() for m in map(pattern.match, text.splitlines()) if m]


@pytest.fixture
def proxied(tmp_path):
    def start(idle_timeout_s: float, flavour: str = "acapy") -> LocalMediator:
        mediator = LocalMediator(flavour, run_dir=tmp_path, proxy=ProxySetting(NGINX, idle_timeout_s)).start()
        started.append(mediator)
        return mediator

    started: list[LocalMediator] = []
    yield start
    for mediator in started:
        mediator.stop()


def test_agents_go_through_the_proxy_split_by_upgrade_and_nothing_is_left_after_stop(proxied, agents):
    mediator = proxied(60)
    proxy = mediator.proxy
    assert proxy is not None and proxy.running
    # What agents are told is the proxy's address; the admin API stays on the mediator's own port.
    assert mediator.invitation_url.startswith(f"{proxy.http_url}?oob=")
    assert mediator.endpoints.ws == proxy.ws_url and mediator.admin_url.endswith(f":{mediator.ports.admin}")

    alice, bob = agents(mediator), agents(mediator)
    for _ in range(3):
        alice.ping_mediator()
    alice_to_bob = alice.receive_invitation(bob.create_invitation())
    alice.send_message(alice_to_bob, "through the proxy")
    assert bob.receive_message().content == "through the proxy"
    counts = mediator.counts()
    assert (counts.active_connections, counts.granted_mediations) == (2, 2), counts

    # Websocket upgrades ended at the ws inbound port and posts at the http one; the websocket lines are
    # written when the sockets close.
    alice.shutdown()
    bob.shutdown()
    seen = upstreams(proxy.files.access_log)
    ws_inbound, http_inbound = f"127.0.0.1:{mediator.ports.ws}", f"127.0.0.1:{mediator.ports.http}"
    assert ("GET", "websocket", ws_inbound) in seen, seen
    assert ("POST", "-", http_inbound) in seen, seen
    assert {upstream for _, upgrade, upstream in seen if upgrade == "websocket"} == {ws_inbound}, seen
    assert {upstream for _, upgrade, upstream in seen if upgrade == "-"} == {http_inbound}, seen

    proxy_group, mediator_group, port = proxy.pgid, mediator.pgid, proxy.port
    mediator.stop()
    assert not group_members(proxy_group) and not group_members(mediator_group)
    assert mediator.proxy is None and not port_in_use(port)


def test_a_restarted_mediator_keeps_its_proxy_and_wallets_come_back_through_it(proxied, agents):
    mediator = proxied(60)
    proxy_group = mediator.proxy.pgid
    agent = agents(mediator)
    agent.ping_mediator()
    mediator.restart()
    assert mediator.proxy.pgid == proxy_group and group_members(proxy_group)
    # Within the recovery time the outage e2e allows (tests/e2e/reliability/test_mediator_outage.py), the
    # wallet's websocket is back through the proxy and its pings are answered, without onboarding again.
    deadline, error = time.monotonic() + RECOVERY_S, None
    while time.monotonic() < deadline:
        try:
            agent.ping_mediator()
            break
        except AgentError as failed:
            error = failed
            gevent.sleep(0.5)
    else:
        raise AssertionError(f"no ping answered {RECOVERY_S:g} s after the restart: {error}")
    assert agent.reconnects >= 1
    assert mediator.counts().granted_mediations == 1


@pytest.mark.parametrize(
    "idle_timeout_s, closes", [(SHORT_IDLE_S, True), (LONG_IDLE_S, False)], ids=["under-heartbeat", "over-heartbeat"]
)
def test_the_proxy_closes_a_websocket_idle_past_its_timeout_and_the_agent_reopens_it(
    proxied, agents, idle_timeout_s, closes
):
    mediator = proxied(idle_timeout_s)
    agent = agents(mediator)
    agent.ping_mediator()
    before = agent.reconnects
    # The agent's event loop runs meanwhile (as in a Locust worker): it answers the heartbeat, sees the close.
    gevent.sleep(max(idle_timeout_s, ACAPY_HEARTBEAT_S) + 2.5)
    agent.ping_mediator()  # no silent failure: the ping after the idle time is answered
    if closes:
        assert agent.reconnects > before, "the proxy's idle close was not seen as a reconnect"
    else:
        # ACA-Py's heartbeat keeps the socket busy: this timeout never fires.
        assert agent.reconnects == before


def test_a_credo_mediator_behind_the_proxy_sends_no_heartbeat_so_its_idle_sockets_are_closed(proxied, agents):
    mediator = proxied(LONG_IDLE_S, "credo")
    assert mediator.invitation_url.startswith(f"{mediator.proxy.http_url}?oob=")
    alice, bob = agents(mediator), agents(mediator)
    alice_to_bob = alice.receive_invitation(bob.create_invitation())
    before = alice.reconnects, bob.reconnects
    gevent.sleep(LONG_IDLE_S + 2.5)
    assert alice.reconnects > before[0] and bob.reconnects > before[1]
    alice.ping_mediator()
    alice.send_message(alice_to_bob, "after the idle close")
    assert bob.receive_message().content == "after the idle close"
