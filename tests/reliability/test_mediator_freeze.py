"""The mediator under test frozen (SIGSTOP of its process group) for 15 s mid-run, then resumed (SIGCONT).

ACA-Py 1.7.0 drops every websocket as it resumes (its heartbeat pong deadline has passed) and loses the
requests it had read but not handled; the wallets' pings in flight must fail at once with the reset, not
wait their full timeout, and the load must come back within seconds of the mediator.
"""

from __future__ import annotations

import time

import pytest

from .conftest import LOCUSTFILES, freeze

pytestmark = pytest.mark.e2e

WALLETS = 20
RUN_S = 120.0
FREEZE_AT_S = 40.0
FREEZE_S = 15.0
BACK_WITHIN_S = 5.0
# Worker reports (1 s) and the master's stats cache (2 s): how late a ping shows up in the stats.
STATS_LAG_S = 3.5
FLOW_WINDOW_S = 10.0


def test_a_15_s_mediator_freeze_costs_little_more_than_the_freeze(own_mediator, local_run):
    """A 20-wallet ping run of 120 s with the mediator frozen for 15 s at 40 s sends at least 60 % of the
    pings of the same run without the freeze; pings flow again within 5 s of the mediator's return.

    The run without the freeze is not run a second time (it would double the test's two minutes): its
    count is the ping rate measured over the 40 s before the freeze, times the run's length. Losing only
    the 15 s of the freeze would leave 87 %; pings stuck to their 60 s timeout (the fault this guards
    against) leave about half.

    The stats lag up to STATS_LAG_S behind the pings, so "back within 5 s" is read as: the window that
    starts 5 s after the return (seen STATS_LAG_S later) carries at least half the pre-freeze rate, and no
    ping fails in it.
    """
    run = local_run({"MEDIATION_URL": own_mediator.invitation_url, "VERIFIED_TIMEOUT_SECONDS": "60"},
                    LOCUSTFILES / "locustMediatorPing.py", users=WALLETS, spawn_rate=WALLETS)
    run.local.start()
    run.wait_for(lambda s: (r := run.row("ping_mediator")) and r.count >= WALLETS, 60, "every wallet pinging")
    began, at_start = time.monotonic(), run.row("ping_mediator")

    time.sleep(max(0.0, began + FREEZE_AT_S - time.monotonic()))
    before_freeze = run.row("ping_mediator")
    rate = (before_freeze.count - at_start.count) / (time.monotonic() - began)
    assert before_freeze.failures == 0 and rate > 5, f"{rate:.1f} pings/s before the freeze"

    returned = freeze(own_mediator, FREEZE_S)

    time.sleep(max(0.0, returned + BACK_WITHIN_S + STATS_LAG_S - time.monotonic()))
    window_start = run.row("ping_mediator")
    time.sleep(FLOW_WINDOW_S)
    window_end = run.row("ping_mediator")
    flowed = window_end.count - window_start.count
    assert flowed >= 0.5 * rate * FLOW_WINDOW_S, (
        f"{flowed} pings in the {FLOW_WINDOW_S:g} s from {BACK_WITHIN_S:g} s after the mediator's return, "
        f"against {rate:.1f}/s before the freeze")
    assert window_end.failures == window_start.failures, "pings failed after the mediator was back"

    time.sleep(max(0.0, began + RUN_S - time.monotonic()))
    snapshot = run.snapshot()
    total = next(r for r in snapshot.requests if r.name == "ping_mediator").count - at_start.count
    unfrozen = rate * RUN_S
    assert total >= 0.6 * unfrozen, f"{total} pings against {unfrozen:.0f} for the run without the freeze"

    # The pings the freeze cost failed with the reset, named, and no wallet died of it.
    errors = [f.error for f in snapshot.failures if f.name == "ping_mediator"]
    assert errors and all("mediator connection reset while waiting for the trust ping response" in e
                          for e in errors), errors
    assert snapshot.agents.crashed == 0 and snapshot.agents.reconnects >= WALLETS
