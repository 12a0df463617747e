"""The mediator under test crashes (SIGKILL) mid-run and comes back on the same ports and wallet."""

from __future__ import annotations

import os
import signal
import time

from mediator_tui.core.processes import group_members

from .conftest import LOCUSTFILES

RECOVERY_S = 15.0
# Worker reports (1 s) and the master's stats cache (2 s): how late a failure can show up in the stats.
STATS_LAG_S = 3.5


def test_agents_ride_out_a_mediator_crash_and_recover_within_15_s(own_mediator, local_run):
    run = local_run(
        # The capped policy: this test holds agents to a recovery bound, which Credo's uncapped backoff (the
        # default) does not promise after a long outage.
        {"MEDIATION_URL": own_mediator.invitation_url, "RECONNECT_POLICY": "backoff-jitter"},
        LOCUSTFILES / "locustMediatorPing.py",
        users=6,
        spawn_rate=6,
    )
    run.local.start()
    run.wait_for(lambda s: (r := run.row("ping_mediator")) and r.count >= 30, 60, "30 pings")
    assert run.row("ping_mediator").failures == 0

    os.killpg(own_mediator.pgid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while group_members(own_mediator.pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    # Ten seconds or so of outage (the restart itself takes a few): long enough for the agents' reconnect
    # backoff to grow past its first steps, so a backoff that grows too far shows as a slow recovery.
    time.sleep(6.0)
    own_mediator.restart()
    returned = time.monotonic()

    run.wait_for(lambda s: run.row("ping_mediator").failures > 0, STATS_LAG_S + 5, "pings failing during the outage")
    time.sleep(max(0.0, returned + RECOVERY_S + STATS_LAG_S - time.monotonic()))
    settled = run.row("ping_mediator")
    time.sleep(6.0)
    later = run.snapshot()
    after = next(r for r in later.requests if r.name == "ping_mediator")

    assert after.count - settled.count >= 20, "pings stopped flowing after the mediator came back"
    assert after.failures == settled.failures, (
        f"{after.failures - settled.failures} pings failed more than {RECOVERY_S:g} s after the mediator's return"
    )
    # The target's crash shows as failed pings with the transport's reason, not as crashed agents.
    assert later.agents.crashed == 0 and later.agents.start_failures == 0
    assert later.agents.reconnects >= 6
    assert later.status.worker_count == 2 and not later.status.missing_workers
    errors = [f.error for f in later.failures if f.name == "ping_mediator"]
    assert errors and all(("Transport" in e or "Timeout" in e) for e in errors), errors
