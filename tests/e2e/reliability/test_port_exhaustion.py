"""The port pool of a worker runs dry under load: refusals are counted and nothing freezes."""

from __future__ import annotations

import time

from .conftest import DATA

POOL = 3


def test_an_exhausted_port_pool_refuses_fast_and_the_worker_keeps_working(acapy_mediator, local_run):
    run = local_run(
        {
            "MEDIATION_URL": acapy_mediator.invitation_url,
            "START_PORT": "21000",
            "END_PORT": str(21000 + POOL),
            "LOCUST_WORKERS": "1",
        },
        DATA / "port_hungry.py",
        workers=1,
        users=12,
        spawn_rate=12,
    )
    run.local.start()
    first = run.wait_for(
        lambda s: s.ports.known and s.ports.refused >= 10 and run.row("ping_mediator") and s,
        30,
        "refused starts and pings",
    )
    assert first.ports.size == POOL and first.ports.in_use == POOL
    pings = run.row("ping_mediator")
    time.sleep(5.0)
    later = run.snapshot()
    # Heartbeats and worker reports kept coming: the worker is listed and its figures move on.
    assert later.status.worker_count == 1 and not later.status.missing_workers
    assert later.ports.refused > first.ports.refused
    assert later.ports.in_use_max == POOL
    now = run.row("ping_mediator")
    assert now.count - pings.count >= 5 and now.failures == 0, "the pinging wallets froze with the pool"
    refusals = [f for f in later.failures if f.name == "agent_start"]
    assert refusals and all("exhausted" in f.error for f in refusals), refusals
    # every refusal is a failed start in the stats (which lag the agent figures by a few seconds)
    assert sum(f.occurrences for f in refusals) >= first.ports.refused
    assert later.agents.running == POOL + 2
