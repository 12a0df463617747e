"""`mediator-tui --headless --export DIR`, run as a user runs it: a separate process, real Locust on a
synthetic locustfile that sends nothing (tests/data/locustfile_synthetic.py, 10 % failures), so no mediator."""

from __future__ import annotations

import csv
import signal

from tests.integration.scenarios import FAST, SCRIPTED
from tests.support.headless_runs import fake_invitation, finish, headless, read_export, synthetic, wait_for_line


def test_sigint_mid_run_still_writes_a_valid_partial_summary(tmp_path):
    process = synthetic(tmp_path, "-u", "6", "-r", "6", "-t", "120s")
    wait_for_line(process, "running", 60)
    process.send_signal(signal.SIGINT)
    code, stderr = finish(process, 60)
    summary, requests = read_export(tmp_path / "out")
    assert summary["run"]["partial"] is True
    assert summary["total"]["count"] == sum(int(r["count"]) for r in requests) > 0
    assert summary["run"]["duration_s"] < 60
    assert code == 0, stderr  # no thresholds given: nothing failed


def test_a_crossed_threshold_exits_3_and_says_which(tmp_path):
    process = synthetic(
        tmp_path,
        "-u",
        "4",
        "-r",
        "4",
        "-t",
        "5s",
        "--fail-on",
        "fail_ratio>0.001",
        "--fail-on",
        "p95(ping_mediator)>5000",
    )
    code, stderr = finish(process)
    assert code == 3, stderr
    assert "fail_ratio>0.001" in stderr and "FAILED" in stderr
    summary, _ = read_export(tmp_path / "out")
    assert [(t["expr"], t["ok"]) for t in summary["thresholds"]] == [
        ("fail_ratio>0.001", False),
        ("p95(ping_mediator)>5000", True),
    ]


def test_a_run_in_which_no_agent_could_start_exits_3_and_says_why(tmp_path):
    """Native agents asked to reach a mediator nobody answers: every start fails."""
    process = headless(
        tmp_path,
        {"MEDIATION_URL": fake_invitation(), "AGENT_ENGINE": "native"},
        "-f",
        "locustMediatorPing.py",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "8s",
        "--workers",
        "1",
    )
    code, stderr = finish(process)
    assert code == 3, stderr
    assert "nothing worked: no agent started" in stderr
    summary, _ = read_export(tmp_path / "out")
    assert summary["run"]["nothing_worked"].startswith("no agent started")


def test_a_bad_threshold_is_a_usage_error_before_anything_starts(tmp_path):
    code, stderr = finish(synthetic(tmp_path, "-t", "5s", "--fail-on", "p95>>1"), 30)
    assert code == 2 and "cannot read the threshold" in stderr
    assert not (tmp_path / "out").exists()


def test_users_that_die_are_failure_rows_with_their_reason_and_are_replaced(tmp_path):
    """One user's on_start raises, another's greenlet is killed from inside: both are `user_lost` rows naming
    why, and the run ends with the users asked for. A third one's task raises outside any step: a `user_error`
    row, and that user goes on."""
    process = headless(
        tmp_path,
        {**FAST, "SCRIPT_LOSE_USERS": "1"},
        "-f",
        str(SCRIPTED / "scripted_scenario.py"),
        "-u",
        "4",
        "-r",
        "20",
        "-t",
        "10s",
        "--workers",
        "1",
    )
    code, stderr = finish(process)
    assert code == 0, stderr
    summary, requests = read_export(tmp_path / "out")
    lost = {row["name"]: int(row["failures"]) for row in requests if row["type"] == "user_lost"}
    assert lost == {
        "RuntimeError: scripted on_start failure": 1,
        "the user stopped without being asked to (its greenlet was killed, or a task raised StopUser)": 1,
    }
    errors = {row["name"]: int(row["failures"]) for row in requests if row["type"] == "user_error"}
    assert errors == {"ValueError: scripted task failure": 1}
    with open(tmp_path / "out" / "history.csv", newline="") as f:
        users = [int(row["users"]) for row in csv.DictReader(f) if row["series"] == "Aggregated"]
    while users and users[-1] == 0:  # the stop
        users.pop()
    assert users[-3:] == [4, 4, 4]  # replaced: the run holds the users asked for at its end
    assert summary["agents"]["running"] == 0 and summary["agents"]["crashed"] == 0
