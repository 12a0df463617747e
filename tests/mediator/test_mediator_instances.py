"""Two embedded ACA-Py instances on one PostgreSQL behind the tool's nginx (MEDIATOR_INSTANCES=2): both start,
share one wallet, both serve agents through the proxy, and nothing runs once the mediator stops."""

from __future__ import annotations

import pytest

from mediator_tui.core.mediator import LocalMediator
from mediator_tui.core.mediator.process import port_in_use
from mediator_tui.core.mediator.proxy import NGINX, ProxySetting
from mediator_tui.core.processes import group_members
from tests.mediator.test_mediator_proxy import upstreams

AGENTS = 4


@pytest.fixture
def two_instances(tmp_path):
    mediator = LocalMediator(
        "acapy", run_dir=tmp_path / "mediator", storage="postgres", proxy=ProxySetting(NGINX), instances=2
    )
    mediator.start()
    yield mediator
    mediator.stop()


def test_two_instances_share_the_wallet_both_serve_and_nothing_is_left_after_stop(two_instances, agents):
    mediator = two_instances
    [second] = mediator.more
    proxy, cluster = mediator.proxy, mediator.cluster
    assert proxy is not None and cluster is not None
    assert mediator.running and second.running and second.pgid != mediator.pgid

    onboarded = [agents(mediator) for _ in range(AGENTS)]
    for agent in onboarded:
        agent.ping_mediator()
    # One wallet in the one database: each instance's admin API counts every agent, whichever it onboarded on.
    first_counts, second_counts = mediator.counts(), mediator.flavour.admin(second.admin_url).counts()
    assert first_counts == second_counts and first_counts.granted_mediations == AGENTS, (first_counts, second_counts)

    # nginx sent websockets and posts to both instances in turn (websocket lines are written when they close).
    for agent in onboarded:
        agent.shutdown()
    # A request the second instance refused before it started (the first's warm-up) names both: "a, b".
    seen = [line for line in upstreams(proxy.files.access_log) if not line[2].endswith(",")]
    both_ws = {f"127.0.0.1:{ports.ws}" for ports in (mediator.ports, second.ports)}
    both_http = {f"127.0.0.1:{ports.http}" for ports in (mediator.ports, second.ports)}
    assert {upstream for _, upgrade, upstream in seen if upgrade == "websocket"} == both_ws, seen
    assert {upstream for _, upgrade, upstream in seen if upgrade == "-"} == both_http, seen

    # restart ends both and starts both again, on the same ports and wallet
    before = (mediator.pgid, second.pgid)
    mediator.restart()
    assert mediator.running and second.running and (mediator.pgid, second.pgid) != before
    assert not any(group_members(group) for group in before)
    assert mediator.flavour.admin(second.admin_url).counts() == first_counts

    groups = (mediator.pgid, second.pgid, proxy.pgid, cluster.pid)
    ports = [port for each in (mediator.ports, second.ports) for port in each.as_dict().values()] + [proxy.port]
    mediator.stop()
    assert not any(group_members(group) for group in groups)
    assert not second.running and mediator.more[0].pgid is None
    assert not any(port_in_use(port) for port in ports)
    assert not cluster.folder.exists()
