"""Locust processes of a run die (SIGKILL): a worker, then the master."""

from __future__ import annotations

import json
import os
import signal
import time

from mediator_tui.core.export import EXPORT_FILES
from mediator_tui.core.export.logs import LOGS_FOLDER
from mediator_tui.tui.panes.status import status_text
from tests.support.headless_runs import headless, wait_for_line
from tests.support.procs import alive, descendants

from .conftest import LOCUSTFILES, QUICK


def test_a_killed_worker_is_reported_missing_and_the_run_goes_on(acapy_mediator, local_run, tmp_path):
    run = local_run(
        {"MEDIATION_URL": acapy_mediator.invitation_url}, LOCUSTFILES / "locustMediatorPing.py", users=4, spawn_rate=4
    )
    run.local.start()
    run.wait_for(lambda s: (r := run.row("ping_mediator")) and r.count >= 10, 60, "pings from both workers")
    victim = run.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)

    # The master marks a worker missing after 15 missed heartbeats with 2 workers (heartbeats.py), one a second.
    snapshot = run.wait_for(lambda s: s.status.missing_workers and s, 40, "the master to report a missing worker")
    assert len(snapshot.status.missing_workers) == 1 and snapshot.status.worker_count == 1
    assert "(1 missing)" in status_text(snapshot.status).plain
    (host,) = [h for h in snapshot.hosts if h.missing]  # the workers run here: one host, named by its workers
    assert f"(1 missing: {host.host})" in status_text(snapshot.status, hosts=snapshot.hosts).plain
    assert host.why_missing  # its last report's limit, else when it last reported
    before = run.row("ping_mediator")
    time.sleep(4.0)
    after = run.row("ping_mediator")
    assert after.count - before.count >= 5, "the surviving worker stopped sending"
    assert after.failures == before.failures

    export = run.local.export_now(tmp_path / "export")
    summary = json.loads((export / "summary.json").read_text())
    assert summary["run"]["workers"] == 1
    assert summary["run"]["missing_workers"] == list(snapshot.status.missing_workers), summary["run"]
    (exported,) = [h for h in summary["hosts"] if h["missing"]]
    assert exported["host"] == host.host and exported["missing"][0]["why"] == host.why_missing


def _commands(pids: set[int]) -> dict[int, list[str]]:
    """Each of `pids` still running with its arguments."""
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                found[pid] = cmdline.read().decode(errors="replace").split("\0")
        except OSError:
            continue
    return found


def test_a_killed_master_ends_the_run_fast_with_a_partial_export(acapy_mediator, tmp_path):
    # The session's mediator: the master's death is the case, not the embedded mediator's start.
    tool = headless(
        tmp_path,
        {**QUICK, "MEDIATION_URL": acapy_mediator.invitation_url},
        *("-f", "locustMediatorPing.py", "-u", "4", "-r", "4", "-t", "120s", "--workers", "2"),
    )
    try:
        wait_for_line(tool, " running ", 90)
        time.sleep(2.0)  # some load on the wire
        processes = _commands(descendants(tool.pid))
        master = [pid for pid, cmd in processes.items() if "--master" in cmd]
        workers = [pid for pid, cmd in processes.items() if "--worker" in cmd]
        assert len(master) == 1 and len(workers) == 2, processes
        load = set(workers).union(*(descendants(pid) for pid in workers))  # workers and their agents
        os.kill(master[0], signal.SIGKILL)
        killed = time.monotonic()
        while any(alive(pid) for pid in load) and time.monotonic() - killed < 5.0:
            time.sleep(0.1)
        left = {pid: processes.get(pid) for pid in load if alive(pid)}
        assert not left, f"still running 5 s after the master died: {left}"
        _, stderr = tool.communicate(timeout=30)
        assert not [pid for pid in processes if alive(pid)], "a process of the run outlived the tool"
    finally:
        if tool.poll() is None:
            tool.kill()
        for pid in descendants(tool.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert tool.returncode == 2, stderr
    assert "master exited" in stderr, stderr
    out = tmp_path / "out"
    assert sorted(os.listdir(out)) == sorted([*EXPORT_FILES, LOGS_FOLDER])
    assert (out / LOGS_FOLDER / "master.log").exists()  # what the master said before it died
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["partial"] is True
    assert summary["total"]["count"] > 0
