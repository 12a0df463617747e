"""`mediator-tui capacity` against the embedded ACA-Py 1.7.0: the search finds a knee and names what broke.

The mediator runs under a CPU limit of a fifth of a core (MEDIATOR_CPU_LIMIT), so the knee is made, not
found: a mediator that answers some tens of pings per second per core holds at most a few dozen agents
pinging every 0.5-1 s on a fifth of one, on any host and beside any other load, far below the search's
maximum (which the unlimited mediator may hold on a fast moment of a fast host). The test asserts that the
knee lies between the first step and the maximum and what the verdict says, never where the knee is.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from mediator_tui.core.capacity.levels import CATEGORIES
from tests.support.headless_runs import EMBEDDED
from tests.support.paths import REPO
from tests.support.procs import alive, descendants

MAX_USERS = 300
CPU_LIMIT = 0.2
# About 1.3 pings per agent per second: the first step's four agents ask a small part of the limit.
SETTINGS = {**EMBEDDED, "MEDIATOR_CPU_LIMIT": str(CPU_LIMIT), "LOCUST_MIN_WAIT": "0.5", "LOCUST_MAX_WAIT": "1"}
START, STEP = 4, 8


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def iso_seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.mark.timeout(420)
def test_the_search_finds_a_knee_below_its_maximum_names_what_broke_and_exports_it(tmp_path):
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in SETTINGS.items()))
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("LOCUST_", "MEDIATION_", "CAPACITY_"))
    }
    env["PYTHONPATH"] = str(REPO)
    out = tmp_path / "out"
    with open(tmp_path / "stdout", "w") as stdout_file, open(tmp_path / "stderr", "w") as stderr_file:
        process = subprocess.Popen(
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
                "20",
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
    started, seen = time.monotonic(), set()
    try:
        while process.poll() is None and time.monotonic() - started < 400:
            seen |= descendants(process.pid)
            time.sleep(1.0)
    finally:
        process.kill()
        process.wait(10)
    stdout = (tmp_path / "stdout").read_text()
    assert process.returncode == 0, stdout + (tmp_path / "stderr").read_text()
    assert len(seen) >= 5  # mediator, watchdog, master, two workers
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
    held, broken = capacity["at_held"], capacity["at_broken"]
    assert (held["users"], broken["users"]) == (capacity["users_held"], capacity["users_broken"])
    # The mediator's state at the knee (the last step held) and past it (the first broken step), read by
    # the probe of the embedded ACA-Py: busy but within its limit (the kernel's quota, one 100 ms period of
    # slack for a reading's edges), tens of MiB or more, holding about one websocket per agent running.
    # Past the knee the saturated mediator may answer its admin API slower than the probe's timeouts, and a
    # tick waiting on them reads no process figures meanwhile: a broken step cut short can go unmeasured,
    # which the verdict then says and mediator.csv shows (no reading inside its window).
    window = (iso_seconds(broken["window_start"]), iso_seconds(broken["window_end"]))
    inside = [r for r in read_csv(out / "mediator.csv") if window[0] <= float(r["ts"]) <= window[1]]
    broken_measured = broken["mediator_cpu_percent"] is not None
    if broken_measured:
        assert f"  the mediator at the first broken step ({broken_counted}): CPU " in stdout
    else:
        assert not inside and f"({broken_counted}): not measured (no mediator probe " in stdout, inside
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
    # Everything the search started has ended: mediator, watchdog, master, workers.
    assert not [pid for pid in seen if alive(pid)]
