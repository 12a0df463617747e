"""The mediator under test frozen (SIGSTOP of its process group) for 15 s mid-run, then resumed (SIGCONT).

ACA-Py 1.7.0 drops (nearly) every websocket as it resumes (its heartbeat pong deadline has passed) and loses the
requests it had read but not handled; the wallets' pings in flight must fail at once with the reset, not
wait their full timeout, and the load must come back within seconds of the mediator.

The run probes the mediator as a run does one on this host (MEDIATOR_PID, MEDIATOR_ADMIN_URL): the
store's mediator figures (what the Mediator pane shows) and mediator.csv must show the freeze as 0 % CPU
and a stalled probe in the seconds the wallets' pings stall, the summary's stalled seconds must agree with
the readings, and the mediator works again after.
"""

from __future__ import annotations

import csv
import json
import time

from mediator_tui.core.sources.probe.admin_reader import TIMEOUT_S
from mediator_tui.core.sources.probe.backoff import MAX_INTERVAL_S

from .conftest import LOCUSTFILES, freeze

WALLETS = 20
RUN_S = 90.0
FREEZE_AT_S = 30.0
FREEZE_S = 15.0
BACK_WITHIN_S = 5.0
# Worker reports (1 s) and the master's stats cache (2 s): how late a ping shows up in the stats.
STATS_LAG_S = 3.5
FLOW_WINDOW_S = 10.0
# Locust's rate window (3 s) on top of the stats lag: how late the wallets' rate falls to 0.
RATE_LAG_S = STATS_LAG_S + 3.0
# The admin API, backed off while it stalled, is read again this soon after the return: the longest back-off
# between tries, and the timeout of a try begun before the return and of the one after it.
PROBE_BACK_WITHIN_S = MAX_INTERVAL_S + 2 * TIMEOUT_S


def test_a_15_s_mediator_freeze_costs_little_more_than_the_freeze(own_mediator, local_run, tmp_path):
    """A 20-wallet ping run of 90 s with the mediator frozen for 15 s at 30 s sends at least 60 % of the
    pings of the same run without the freeze; pings flow again within 5 s of the mediator's return.

    The run without the freeze is not run a second time (it would double the test's minute and a half): its
    count is the ping rate measured over the 30 s before the freeze, times the run's length. Losing only
    the 15 s of the freeze would leave 83 %; pings stuck to their 60 s timeout (the fault this guards
    against) come back only as the run ends, leaving about a third. The run is long enough for the probe's
    readings after its return (PROBE_BACK_WITHIN_S) to hold more than ten.

    The stats lag up to STATS_LAG_S behind the pings, so "back within 5 s" is read as: the window that
    starts 5 s after the return (seen STATS_LAG_S later) carries at least half the pre-freeze rate, and no
    ping fails in it.
    """
    run = local_run(
        {
            "MEDIATION_URL": own_mediator.invitation_url,
            "VERIFIED_TIMEOUT_SECONDS": "60",
            "MEDIATOR_PID": str(own_mediator.pid),
            "MEDIATOR_ADMIN_URL": own_mediator.admin_url,
        },
        LOCUSTFILES / "locustMediatorPing.py",
        users=WALLETS,
        spawn_rate=WALLETS,
        probe=True,
    )
    run.local.start()
    run.wait_for(lambda s: (r := run.row("ping_mediator")) and r.count >= WALLETS, 60, "every wallet pinging")
    began, began_at, at_start = time.monotonic(), time.time(), run.row("ping_mediator")

    time.sleep(max(0.0, began + FREEZE_AT_S - time.monotonic()))
    before_freeze = run.row("ping_mediator")
    rate = (before_freeze.count - at_start.count) / (time.monotonic() - began)
    assert before_freeze.failures == 0 and rate > 5, f"{rate:.1f} pings/s before the freeze"

    frozen_at = time.time()
    seen = {}
    returned = freeze(own_mediator, FREEZE_S, midway=lambda: seen.update(during=run.local.snapshot().mediator))
    returned_at = time.time()
    during = seen["during"]  # what the Mediator pane showed in the middle of the freeze
    assert during.stalled and {"process", "admin status"} <= set(during.stalled_by), during
    assert during.cpu_percent == 0.0, during
    # The admin API is named with its stall; its timeout and back-off keep the probe reading every second.
    assert any(source == "admin status" and "no answer within 2 s" in error for source, error in during.errors)

    time.sleep(max(0.0, returned + BACK_WITHIN_S + STATS_LAG_S - time.monotonic()))
    window_start = run.row("ping_mediator")
    time.sleep(FLOW_WINDOW_S)
    window_end = run.row("ping_mediator")
    flowed = window_end.count - window_start.count
    assert flowed >= 0.5 * rate * FLOW_WINDOW_S, (
        f"{flowed} pings in the {FLOW_WINDOW_S:g} s from {BACK_WITHIN_S:g} s after the mediator's return, "
        f"against {rate:.1f}/s before the freeze"
    )
    assert window_end.failures == window_start.failures, "pings failed after the mediator was back"

    time.sleep(max(0.0, began + RUN_S - time.monotonic()))
    snapshot = run.snapshot()
    total = next(r for r in snapshot.requests if r.name == "ping_mediator").count - at_start.count
    unfrozen = rate * RUN_S
    assert total >= 0.6 * unfrozen, f"{total} pings against {unfrozen:.0f} for the run without the freeze"

    # The pings the freeze cost failed with the reset, named, and no wallet died of it.
    errors = [f.error for f in snapshot.failures if f.name == "ping_mediator"]
    assert errors and all("mediator connection reset while waiting for the trust ping response" in e for e in errors), (
        errors
    )
    # Most links were reset and came back; a wallet whose pong happened to be in time keeps its socket.
    assert snapshot.agents.crashed == 0 and snapshot.agents.running == WALLETS
    assert snapshot.agents.reconnects >= WALLETS // 2, snapshot.agents

    export = run.local.export_now(tmp_path / "export")
    assert_the_freeze_is_in_mediator_csv(export, snapshot, frozen_at, returned_at, began_at)


def assert_the_freeze_is_in_mediator_csv(export, snapshot, frozen_at: float, returned_at: float, began_at: float):
    """mediator.csv: 0 % CPU and stalled in every second of the freeze, among them those in which the wallets'
    ping rate is 0; not stalled and working before it, and again from soon after the return."""
    with open(export / "mediator.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    at = {int(float(r["ts"])): r for r in rows}
    frozen = [r for r in rows if frozen_at + 1.5 <= float(r["ts"]) <= returned_at - 0.5]
    assert len(frozen) >= 6 and all(r["stalled"] == "1" for r in frozen), frozen
    # A reading's CPU covers the time since the reading before it (seconds apart while the admin API times
    # out): zero for every reading whose previous one was already inside the freeze.
    previous = {id(r): rows[i - 1] for i, r in enumerate(rows) if i}
    inside = [r for r in frozen if id(r) in previous and float(previous[id(r)]["ts"]) >= frozen_at + 0.5]
    assert len(inside) >= 4 and all(float(r["cpu_percent"]) == 0.0 for r in inside), inside
    pings = next(s for s in snapshot.history if s.name == "ping_mediator").points
    stalled_pings = [p for p in pings if frozen_at + RATE_LAG_S <= p.t <= returned_at]
    assert stalled_pings and all(p.rps == 0 for p in stalled_pings), stalled_pings
    assert all(at[int(p.t)]["stalled"] == "1" for p in stalled_pings if int(p.t) in at)
    assert sum(int(p.t) in at for p in stalled_pings) >= len(stalled_pings) - 2

    # The freeze's stall ends once the admin API is read again; later readings may stall again on a loaded
    # host (an admin answer slower than its timeout), which is the probe telling the truth, not the freeze.
    back = next(r for r in rows if float(r["ts"]) > returned_at and r["stalled"] == "0")
    assert float(back["ts"]) <= returned_at + PROBE_BACK_WITHIN_S, back
    before = [r for r in rows if began_at + 5 <= float(r["ts"]) <= frozen_at - 1]
    after = [r for r in rows if float(r["ts"]) >= returned_at + PROBE_BACK_WITHIN_S]
    for moment, seen in (("before", before), ("after", after)):
        # Working: no reading there looks like the freeze (stalled at 0 % CPU).
        assert len(seen) >= 10, (moment, seen)
        assert not any(r["stalled"] == "1" and float(r["cpu_percent"] or 0) == 0 for r in seen), (moment, seen)
        assert sum(float(r["cpu_percent"]) for r in seen) / len(seen) > 1.0, (moment, seen)
    # The stalled seconds are the probe's own gaps between readings, so they are bounded by its readings in
    # mediator.csv, not by the freeze's length (how soon the admin API is read again after the return, and
    # how late a reading comes, depend on the host's load): at least the span of the readings the SIGSTOP
    # made stalled, at most the spans from the last reading not stalled before each stall to the first
    # after it.
    stalled_s = json.loads((export / "summary.json").read_text())["mediator"]["stalled_s"]
    assert float(frozen[-1]["ts"]) - float(frozen[0]["ts"]) <= stalled_s <= stalled_spans(rows), stalled_s


def stalled_spans(rows: list[dict]) -> float:
    """The seconds from the reading before each run of stalled rows to the first reading not stalled after it
    (or the last reading)."""
    total, before = 0.0, None
    for i, row in enumerate(rows):
        if row["stalled"] == "1" and (i == 0 or rows[i - 1]["stalled"] == "0"):
            before = float(rows[i - 1]["ts"]) if i else float(row["ts"])
        if before is not None and (row["stalled"] == "0" or i == len(rows) - 1):
            total += float(row["ts"]) - before
            before = None
    return total
