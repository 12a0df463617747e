"""2,000 wallets at the seed's waits (60-120 s) through the headless path against the embedded ACA-Py: Locust
spawns 50 users a second, far faster than the mediator onboards, so the workers' onboarding gates set the pace.
Every wallet onboards, none times out, the run holds the users asked for, and pings stay within the default
service level."""

from __future__ import annotations

import csv
import signal
import time

import pytest

from tests.support.headless_runs import EMBEDDED, finish, headless, read_export, wait_for_line

WALLETS = 2000
ONBOARDED_WITHIN_S = 360  # the embedded ACA-Py onboards 6-15 a second on a 2-core host: 2,000 in 140-340 s
HOLD_S = 30  # all of them held (and pinging) before the stop


@pytest.mark.timeout(480)
def test_two_thousand_wallets_onboard_at_the_mediators_pace_without_a_timeout(tmp_path):
    settings = {**EMBEDDED, "LOCUST_MIN_WAIT": "60", "LOCUST_MAX_WAIT": "120", "VERIFIED_TIMEOUT_SECONDS": "60"}
    args = f"-f locustMediatorPing.py -u {WALLETS} -r 50 --workers 2 --fail-on crashes>0"
    process = headless(tmp_path, settings, *args.split())
    started = time.monotonic()
    try:
        wait_for_line(process, "running ", 120)  # the embedded mediator is up and the users spawned
        wait_for_line(process, f"agents {WALLETS} (", ONBOARDED_WITHIN_S - (time.monotonic() - started))
        time.sleep(HOLD_S)
    finally:
        process.send_signal(signal.SIGINT)  # the run stops and writes its export, also when the test failed
        code, stderr = finish(process, timeout_s=60)
    assert code == 0, stderr[-3000:]
    out = tmp_path / "out"
    summary, requests = read_export(out)
    rows = {row["name"]: row for row in requests}

    onboarding = summary["onboarding"]
    assert (onboarding["onboarded"], onboarding["failures"], onboarding["backlog_at_end"]) == (WALLETS, 0, 0)
    starts = rows["agent_start"]
    assert (int(starts["count"]), int(starts["failures"])) == (WALLETS, 0)  # no onboarding timed out
    # The gate held users back: more waited for admission at once than the workers' caps let in flight.
    assert onboarding["peak_backlog"] > 500
    with open(out / "onboarding.csv", newline="") as f:
        paced = list(csv.DictReader(f))
    assert max(int(row["cap"]) for row in paced) <= 2 * 64
    assert max(int(row["in_flight"]) for row in paced) < 200 < max(int(row["waiting"]) for row in paced)

    # Once ramped, the run holds every user asked for until the stop: none is lost.
    with open(out / "history.csv", newline="") as f:
        users = [int(row["users"]) for row in csv.DictReader(f) if row["series"] == "Aggregated"]
    ramped = users.index(WALLETS)
    held = users[ramped:]
    while held and held[-1] < WALLETS:  # the stop
        held.pop()
    assert len(held) > HOLD_S and set(held) == {WALLETS}
    assert not any(row["type"] == "user_lost" for row in requests)

    ping = rows["ping_mediator"]
    assert int(ping["failures"]) == 0 and int(ping["count"]) >= WALLETS
    assert float(ping["p95_ms"]) <= 1000  # the default service level, p95(ping_mediator)>1000
