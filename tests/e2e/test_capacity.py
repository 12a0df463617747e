"""`mediator-tui capacity` against the embedded ACA-Py 1.7.0: the search finds a knee and names what broke.

The mediator runs under a CPU limit of a fifth of a core (MEDIATOR_CPU_LIMIT), so the knee is made, not
found: a mediator that answers some tens of pings per second per core holds at most a few dozen agents
pinging every 0.5-1 s on a fifth of one, on any host and beside any other load. The test asserts that the
knee lies between the first step and the maximum and what the verdict says, never where the knee is.

That the maximum is one this host's mediator holds without the limit is measured, not assumed: beside the
search, over the same minutes, an unlimited embedded mediator runs the same scenario at the search's maximum
(`--headless`), and over the window of the step where the limited one broke it met the levels that step broke.
The maximum asks about twice the CPU the limit allows (a few ms per ping, the same for both mediators on one
host): a faster host moves both knees up together, so the limited one breaks below the maximum and the unlimited
one holds it on a slow host as on a fast one.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from mediator_tui.core.capacity.levels import CATEGORIES
from mediator_tui.core.metrics.throttling import THROTTLED_HIGH_PERCENT
from tests.support.headless_runs import EMBEDDED, headless, wait_for_line
from tests.support.paths import REPO
from tests.support.procs import alive, descendants

MAX_USERS = 64
CPU_LIMIT = 0.2
# About 1.3 pings per agent per second: the first step's four agents ask a small part of the limit.
UNLIMITED = {**EMBEDDED, "LOCUST_MIN_WAIT": "0.5", "LOCUST_MAX_WAIT": "1"}
SETTINGS = {**UNLIMITED, "MEDIATOR_CPU_LIMIT": str(CPU_LIMIT)}
START, STEP, SPAWN_RATE = 4, 10, "20"


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def iso_seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def window_of(row: dict[str, str]) -> tuple[float, float]:
    return iso_seconds(row["window_start"]), iso_seconds(row["window_end"])


def inside(rows: list[dict[str, str]], window: tuple[float, float]) -> list[dict[str, str]]:
    return [r for r in rows if window[0] <= float(r["ts"]) <= window[1]]


def throttled_percent(mediator_rows: list[dict[str, str]]) -> float:
    """The mean of the seconds' throttled share in mediator.csv (a second without counters left out)."""
    shares = [float(r["throttled_percent"]) for r in mediator_rows if r["throttled_percent"]]
    assert shares, mediator_rows
    return statistics.fmean(shares)


def search(tmp_path: Path, env_file: Path, env: dict[str, str], out: Path) -> subprocess.Popen:
    """`mediator-tui capacity` on the limited mediator, its output in tmp_path's stdout and stderr."""
    with open(tmp_path / "stdout", "w") as stdout_file, open(tmp_path / "stderr", "w") as stderr_file:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mediator_tui",
                "capacity",
                "--env",
                str(env_file),
                "--start",
                str(START),
                "--step",
                str(STEP),
                "--hold",
                "15s",
                "--settle",
                "5s",
                "--max",
                str(MAX_USERS),
                "-r",
                SPAWN_RATE,
                "--workers",
                "2",
                "--export",
                str(out),
            ],
            cwd=tmp_path,
            env=env,
            stdout=stdout_file,
            stderr=stderr_file,
            text=True,
        )


@pytest.mark.timeout(420)
def test_under_a_cpu_limit_the_knee_is_below_a_maximum_the_unlimited_mediator_holds_and_broke_on_throttling(tmp_path):
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in SETTINGS.items()))
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("LOCUST_", "MEDIATION_", "CAPACITY_"))
    }
    env["PYTHONPATH"] = str(REPO)
    out = tmp_path / "out"
    # The same scenario at the search's maximum on a mediator without a limit, holding all its agents before the
    # search begins and while it runs.
    (tmp_path / "unlimited").mkdir()
    unlimited = headless(
        tmp_path / "unlimited", UNLIMITED, "-u", str(MAX_USERS), "-r", SPAWN_RATE, "--workers", "2", "-t", "10m"
    )
    process, seen = None, set()
    try:
        wait_for_line(unlimited, f"agents {MAX_USERS} (", timeout_s=240)
        process = search(tmp_path, env_file, env, out)
        started = time.monotonic()
        while process.poll() is None and time.monotonic() - started < 400:
            seen |= descendants(process.pid) | descendants(unlimited.pid)
            time.sleep(1.0)
    finally:
        if process is not None:
            process.kill()
            process.wait(10)
        unlimited.send_signal(signal.SIGTERM)  # ends the run early; its export is still written
        _, unlimited_stderr = unlimited.communicate(timeout=120)
    stdout = (tmp_path / "stdout").read_text()
    assert process.returncode == 0, stdout + (tmp_path / "stderr").read_text()
    assert len(seen) >= 10  # each run's mediator, watchdog, master, two workers
    steps = [line for line in stdout.splitlines() if line.startswith("step ")]
    assert steps and all(" users, " in line and " agents (" in line and "ping p95 " in line for line in steps), stdout
    assert all("  mediator CPU " in line for line in steps[:-1]), stdout
    assert all(line.endswith("  met") for line in steps[:-1]) and "BROKEN: " in steps[-1], stdout

    capacity = json.loads((out / "summary.json").read_text())["capacity"]
    assert capacity["complete"] is True
    assert START <= capacity["users_held"] < capacity["users_broken"] < MAX_USERS, capacity
    # The limit, not the harness, made the knee: the workers had room, the mediator did not.
    assert capacity["broke_first"] in CATEGORIES and capacity["limited_by"] == "mediator", capacity
    # The ping scenario: one agent per Locust user.
    assert (capacity["agents_held"], capacity["agents_broken"]) == (capacity["users_held"], capacity["users_broken"])
    held_counted = f"{capacity['users_held']} users, {capacity['agents_held']} agents"
    broken_counted = f"{capacity['users_broken']} users, {capacity['agents_broken']} agents"
    assert f"verdict: held {held_counted}; broke at {broken_counted} on " in stdout
    assert f"  broke first: {capacity['broke_first']}" in stdout
    assert f"  limited by: {capacity['limited_by']}" in stdout
    # The limit set the knee, and the verdict says so.
    assert capacity["broke_on"] == "throttling", capacity
    assert "; the mediator broke on throttling: its CPU limit cut short " in capacity["summary"], capacity
    assert "  broke on: throttling (its CPU limit cut short " in stdout, stdout
    held, broken = capacity["at_held"], capacity["at_broken"]
    assert (held["users"], broken["users"]) == (capacity["users_held"], capacity["users_broken"])
    # The mediator's state at the knee (the last step held) and past it (the first broken step), read by
    # the probe of the embedded ACA-Py: busy but within its limit (the kernel's quota, one 100 ms period of
    # slack for a reading's edges), tens of MiB or more, holding about one websocket per agent running.
    # Past the knee the saturated mediator may answer its admin API slower than the probe's timeouts, and a
    # tick waiting on them reads no process figures meanwhile: a broken step cut short can go unmeasured,
    # which the verdict then says and mediator.csv shows (no reading inside its window).
    window = window_of(broken)
    broken_rows = inside(read_csv(out / "mediator.csv"), window)
    broken_measured = broken["mediator_cpu_percent"] is not None
    if broken_measured:
        assert f"  the mediator at the first broken step ({broken_counted}): CPU " in stdout
    else:
        assert not broken_rows and f"({broken_counted}): not measured (no mediator probe " in stdout, broken_rows
        assert broken["requests"] > 0 and 0 < broken["worker_cpu_max_percent"] <= 110, broken
    for state in [held, broken] if broken_measured else [held]:
        assert state["requests"] > 0, state
        assert 0 < state["mediator_cpu_percent"] <= 100 * CPU_LIMIT * 1.1, state
        assert 50 * 2**20 <= state["mediator_rss_bytes"] <= 4 * 2**30, state
        assert 0.8 * state["agents_running"] <= state["mediator_connections"] <= 1.2 * state["agents"] + 10, state
        assert state["mediator_cpu_ms_per_request"] > 0, state
        # The workers' own CPU over the window (their counters), in % of one core.
        assert 0 < state["worker_cpu_max_percent"] <= 110, state
    assert f"  the mediator at the knee, the last step held ({held_counted}): CPU " in stdout

    rows = read_csv(out / "capacity.csv")
    assert [int(r["users"]) for r in rows] == list(range(START, capacity["users_broken"] + 1, STEP))
    assert [r["met"] for r in rows] == ["yes"] * (len(rows) - 1) + ["no"]
    assert all(int(r["requests"]) > 0 and float(r["ping_p95_ms"]) > 0 for r in rows)
    measured_rows = rows if broken_measured else rows[:-1]
    assert all(float(r["mediator_cpu_percent"]) > 0 and int(r["mediator_connections"]) > 0 for r in measured_rows), rows
    assert rows[-1]["broken"] == "; ".join(capacity["broken_levels"])
    assert [r["verdict_step"] for r in rows[-2:]] == ["held", "broken"]
    assert "<h2>Capacity search</h2>" in (out / "report.html").read_text()

    # Throttling rises in mediator.csv with the load: little at the first step, a high share where the limited
    # mediator held its most (the last step measured), where the verdict read it.
    limited_rows = read_csv(out / "mediator.csv")
    first, last = rows[0], rows[-1] if broken_measured else rows[-2]
    share_first, share_last = (throttled_percent(inside(limited_rows, window_of(r))) for r in (first, last))
    assert share_first < share_last and share_last >= THROTTLED_HIGH_PERCENT, (share_first, share_last)
    assert float(last["mediator_throttled_percent"]) >= THROTTLED_HIGH_PERCENT, last

    # Over the window of the step where the limited mediator broke, the unlimited one held the maximum, the
    # same scenario: every user running, its websockets held, and the levels that step broke met.
    assert unlimited.returncode == 0, unlimited_stderr
    unlimited_out = tmp_path / "unlimited" / "out"
    pings = [r for r in inside(read_csv(unlimited_out / "history.csv"), window) if r["name"] == "ping_mediator"]
    assert pings and all(int(r["users"]) == MAX_USERS for r in pings), pings
    assert statistics.median(float(r["p95_ms"]) for r in pings if r["p95_ms"]) <= 1000, pings
    answered = sum(float(r["rps"]) for r in pings)
    assert answered > 0 and sum(float(r["fail_per_s"]) for r in pings) <= 0.01 * answered, pings
    unlimited_rows = read_csv(unlimited_out / "mediator.csv")
    connections = [int(r["connections"]) for r in inside(unlimited_rows, window) if r["connections"]]
    assert connections and min(connections) >= 0.8 * MAX_USERS, connections
    # Over one window (the last step measured) the limited mediator was held back more than the unlimited one.
    same = window_of(last)
    assert throttled_percent(inside(unlimited_rows, same)) < throttled_percent(inside(limited_rows, same))
    # Everything both runs started has ended: mediators, watchdogs, masters, workers.
    assert not [pid for pid in seen if alive(pid)]
