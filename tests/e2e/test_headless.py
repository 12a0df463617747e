"""`mediator-tui --headless --export DIR` against the embedded mediator, run as a user runs it: a separate
process, the real ping scenario, real Locust."""

from __future__ import annotations

import os
import signal
import time

from mediator_tui.core.export import EXPORT_FILES
from mediator_tui.core.export.logs import LOGS_FOLDER
from tests.support.headless_runs import EMBEDDED, finish, headless, read_export, wait_for_line
from tests.support.procs import alive, descendants


def test_local_run_against_the_embedded_mediator_exports_consistent_figures(tmp_path):
    process = headless(
        tmp_path,
        EMBEDDED,
        "-f",
        "locustMediatorPing.py",
        "-u",
        "4",
        "-r",
        "4",
        "-t",
        "12s",
        "--workers",
        "2",
        "--fail-on",
        "fail_ratio>0.5",
        "--fail-on",
        "crashes>0",
        # Judged on the running test: after the stop no agent runs.
        "--fail-on",
        "agents_running<4",
    )
    code, stderr = finish(process, timeout_s=240)
    assert code == 0, stderr
    out = tmp_path / "out"
    assert sorted(os.listdir(out)) == sorted([*EXPORT_FILES, LOGS_FOLDER])
    # The run's folder went with the run; its processes' logs are kept in the export.
    logs = sorted(os.listdir(out / LOGS_FOLDER))
    assert logs == ["master.log", "mediator.log", "worker-0.log", "worker-1.log"], logs
    summary, requests = read_export(out)
    assert summary["total"]["count"] == sum(int(r["count"]) for r in requests) > 0
    names = {r["name"] for r in requests}
    assert "ping_mediator" in names, names
    assert summary["run"]["workers"] == 2 and summary["run"]["users"] == 4
    assert summary["run"]["target"].startswith("http://127.0.0.1:")  # the embedded mediator, no invitation
    assert summary["agents"]["started"] >= 4 and summary["agents"]["crashed"] == 0
    assert summary["memory"]["agents"] is not None
    assert [t["ok"] for t in summary["thresholds"]] == [True, True, True], summary["thresholds"]
    assert summary["thresholds"][2]["value"] == 4
    # Four native agents share one worker's growth with its baseline: no figure per agent yet, and why.
    assert summary["memory"]["per_agent_unique_bytes"] is None
    assert summary["memory"]["per_agent_unknown_because"].startswith("agents spread over ")
    assert summary["run"]["nothing_worked"] is None
    assert 10 <= summary["run"]["duration_s"] <= 20
    assert "Aggregated" in (out / "history.csv").read_text()


def test_no_process_of_the_run_survives_a_sigkill_of_the_tool(tmp_path):
    """The whole run: embedded mediator, watchdog, master, workers with their agents."""
    process = headless(
        tmp_path, EMBEDDED, "-f", "locustMediatorPing.py", "-u", "2", "-r", "2", "-t", "120s", "--workers", "2"
    )
    try:
        wait_for_line(process, "running", 120)
        run_processes = descendants(process.pid)
        assert len(run_processes) >= 5  # mediator, watchdog, master, two workers
        process.kill()
        process.wait(10)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in run_processes) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in run_processes if alive(pid)]
    finally:
        for pid in descendants(process.pid) | {process.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
