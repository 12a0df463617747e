"""A wallet population outlives its run, and rides out a reconnect storm.

One headless run onboards 500 wallets against the embedded ACA-Py and saves them (WALLET_POPULATION). The next
run reconnects those 500 instead of onboarding (no `agent_start`: every agent is an `agent_resume`), against the
same mediator started again with its kept wallet; then, mid-run, the mediator is restarted under them
(STORM_AFTER): every wallet comes back and the export says when 50, 95 and 100 % were back.
"""

from __future__ import annotations

import csv
import json
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.headless_runs import EMBEDDED, finish, headless, read_export

from .conftest import LOCUSTFILES

WALLETS = 500
# Idle wallets, a ping every 10-20 s each. Onboarding is what the mediator pays most for: on a busy 2-core host
# ACA-Py onboards a few wallets a second and some onboardings time out and are retried (the slot's start
# backoff), so the first run lasts until its 500 wallets are saved. Its users spawn far faster than that
# (ONBOARDING_SPAWN_RATE) and the workers' onboarding gates hold them to the mediator's own pace, as in
# tests/e2e/test_onboarding_pace.py: a spawn rate below that pace would leave the mediator waiting on Locust.
SETTINGS = {**EMBEDDED, "LOCUST_MIN_WAIT": "10", "LOCUST_MAX_WAIT": "20", "VERIFIED_TIMEOUT_SECONDS": "60"}
ONBOARDING_S = 900  # a bound, not a figure: a host busy with other tests onboards slower
ONBOARDING_SPAWN_RATE = "50"


def start_in(folder: Path, settings: dict[str, str], *args: str) -> subprocess.Popen:
    folder.mkdir()
    return headless(
        folder, settings, "-f", str(LOCUSTFILES / "locustMediatorPing.py"), "--workers", "2", "-u", str(WALLETS), *args
    )


def exported(folder: Path, process: subprocess.Popen) -> tuple[dict, list[dict], str]:
    code, stderr = finish(process, timeout_s=600)
    assert code == 0, stderr
    summary, rows = read_export(folder / "out")
    return summary, rows, stderr


def saved_wallets(population: Path) -> int:
    try:
        return len(json.loads(population.read_text())["wallets"])
    except FileNotFoundError:
        return 0


def row(rows: list[dict], name: str) -> dict | None:
    return next((r for r in rows if r["name"] == name), None)


# Two runs: up to 10 minutes to onboard 500 wallets on a busy 2-core host, 2.5 to reconnect and storm them.
@pytest.mark.timeout(1500)
def test_a_saved_population_is_reconnected_by_the_next_run_and_every_wallet_comes_back_from_a_mediator_restart(
    tmp_path,
):
    population = tmp_path / "wallets.json"
    settings = {**SETTINGS, "WALLET_POPULATION": str(population)}

    first = start_in(tmp_path / "first", settings, "-r", ONBOARDING_SPAWN_RATE)
    deadline = time.monotonic() + ONBOARDING_S
    while saved_wallets(population) < WALLETS and first.poll() is None and time.monotonic() < deadline:
        time.sleep(2)
    first.send_signal(signal.SIGTERM)  # Ctrl-C: the run stops, its workers save, the export is written
    _, rows, stderr = exported(tmp_path / "first", first)
    onboarded = row(rows, "agent_start")
    assert onboarded is not None and int(onboarded["count"]) - int(onboarded["failures"]) >= WALLETS, rows
    saved = json.loads(population.read_text())
    assert len(saved["wallets"]) >= WALLETS
    assert stat.S_IMODE(population.stat().st_mode) == 0o600
    wallet_dir = Path(saved["mediator"]["embedded"]["wallet_dir"])
    assert wallet_dir.is_dir() and str(wallet_dir) in stderr  # kept after the run, and the run said where

    second = start_in(tmp_path / "second", {**settings, "STORM_AFTER": "45s"}, "-r", "25", "-t", "110s")
    summary, rows, stderr = exported(tmp_path / "second", second)
    assert f"{WALLETS} saved wallets reconnect instead of onboarding" in stderr
    assert row(rows, "agent_start") is None, "the second run onboarded"
    resumed = row(rows, "agent_resume")
    assert resumed is not None and int(resumed["count"]) == WALLETS and int(resumed["failures"]) == 0, rows
    assert saved_wallets(population) == len(saved["wallets"])  # nothing new to add

    storm = summary["storm"]
    assert storm["error"] == "" and storm["wallets"] == WALLETS and storm["back"] == WALLETS, storm
    assert storm["crashed"] == 0
    assert 0 <= storm["back_50pct_after_s"] <= storm["back_95pct_after_s"] <= storm["back_100pct_after_s"]
    assert storm["mediator_cpu_percent_max"] is not None
    with open(tmp_path / "second" / "out" / "storm.csv", newline="") as f:
        curve = list(csv.DictReader(f))
    assert curve[-1]["percent_back"] == "100.0"
    # the saved keys stay in the population file: no export file holds one, the run's logs (logs/) included
    seed = saved["wallets"][0]["mediator_key_seed"]
    for export in (tmp_path / "first" / "out", tmp_path / "second" / "out"):
        assert (export / "logs").is_dir()
        for path in (p for p in export.rglob("*") if p.is_file()):
            assert seed not in path.read_text(), path
