"""A wallet population outlives its run, and rides out a reconnect storm.

One headless run onboards 500 wallets against the embedded ACA-Py and saves them (WALLET_POPULATION). The next
run reconnects those 500 instead of onboarding (no `agent_start`: every agent is an `agent_resume`), against the
same mediator started again with its kept wallet; then, mid-run, the mediator is restarted under them
(STORM_AFTER): every wallet comes back and the export says when 50, 95 and 100 % were back.
"""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

from tests.support.headless_runs import EMBEDDED, finish, headless, read_export

from .conftest import LOCUSTFILES

WALLETS = 500
# Idle wallets: a ping every 5-10 s each, about 70 a second for all of them. Onboarding is what the mediator
# pays most for: on a busy 2-core host some onboardings time out and are retried (the slot's start backoff).
SETTINGS = {**EMBEDDED, "LOCUST_MIN_WAIT": "5", "LOCUST_MAX_WAIT": "10", "VERIFIED_TIMEOUT_SECONDS": "60"}


def run_in(folder: Path, settings: dict[str, str], *args: str) -> tuple[dict, list[dict], str]:
    folder.mkdir()
    process = headless(
        folder, settings, "-f", str(LOCUSTFILES / "locustMediatorPing.py"), "--workers", "2", "-u", str(WALLETS), *args
    )
    code, stderr = finish(process, timeout_s=600)
    assert code == 0, stderr
    summary, rows = read_export(folder / "out")
    return summary, rows, stderr


def row(rows: list[dict], name: str) -> dict | None:
    return next((r for r in rows if r["name"] == name), None)


def test_a_saved_population_is_reconnected_by_the_next_run_and_every_wallet_comes_back_from_a_mediator_restart(
    tmp_path,
):
    population = tmp_path / "wallets.json"
    settings = {**SETTINGS, "WALLET_POPULATION": str(population)}

    _, rows, stderr = run_in(tmp_path / "first", settings, "-r", "4", "-t", "240s")
    onboarded = row(rows, "agent_start")
    assert onboarded is not None and int(onboarded["count"]) - int(onboarded["failures"]) == WALLETS, rows
    saved = json.loads(population.read_text())
    assert len(saved["wallets"]) == WALLETS
    assert stat.S_IMODE(population.stat().st_mode) == 0o600
    wallet_dir = Path(saved["mediator"]["embedded"]["wallet_dir"])
    assert wallet_dir.is_dir() and str(wallet_dir) in stderr  # kept after the run, and the run said where

    summary, rows, stderr = run_in(tmp_path / "second", {**settings, "STORM_AFTER": "45s"}, "-r", "25", "-t", "110s")
    assert f"{WALLETS} saved wallets reconnect instead of onboarding" in stderr
    assert row(rows, "agent_start") is None, "the second run onboarded"
    resumed = row(rows, "agent_resume")
    assert resumed is not None and int(resumed["count"]) == WALLETS and int(resumed["failures"]) == 0, rows
    assert len(json.loads(population.read_text())["wallets"]) == WALLETS  # nothing new to add

    storm = summary["storm"]
    assert storm["error"] == "" and storm["wallets"] == WALLETS and storm["back"] == WALLETS, storm
    assert storm["crashed"] == 0
    assert 0 <= storm["back_50pct_after_s"] <= storm["back_95pct_after_s"] <= storm["back_100pct_after_s"]
    assert storm["mediator_cpu_percent_max"] is not None
    with open(tmp_path / "second" / "out" / "storm.csv", newline="") as f:
        curve = list(csv.DictReader(f))
    assert curve[-1]["percent_back"] == "100.0"
    # the saved keys stay in the population file: no export file holds one
    seed = saved["wallets"][0]["mediator_key_seed"]
    for export in (tmp_path / "first" / "out", tmp_path / "second" / "out"):
        for path in export.iterdir():
            assert seed not in path.read_text(), path
