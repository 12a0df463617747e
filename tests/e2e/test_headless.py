"""`mediator-tui --headless --export DIR`, run as a user runs it: a separate process, real Locust.

The embedded-mediator runs use the real ping scenario (marked `e2e`); the others use a
synthetic locustfile that sends nothing (tests/data/locustfile_synthetic.py,
10 % failures) so they are quick and need no mediator (marked `integration`).
"""

from __future__ import annotations

import base64
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediator_tui.core.export import EXPORT_FILES
from tests.procs import alive, descendants

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "data" / "locustfile_synthetic.py"


def fake_invitation() -> str:
    """A well-formed invitation nobody answers: the synthetic scenario never uses it."""
    message = {"@type": "https://didcomm.org/out-of-band/1.1/invitation", "@id": "test",
               "services": [{"id": "#inline", "type": "did-communication",
                             "recipientKeys": ["did:key:z6MkTestKey"], "serviceEndpoint": "http://127.0.0.1:9"}]}
    return "http://127.0.0.1:9?oob=" + base64.urlsafe_b64encode(json.dumps(message).encode()).decode().rstrip("=")


def headless(tmp_path: Path, settings: dict[str, str], *args: str) -> subprocess.Popen:
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LOCUST_", "MEDIATION_"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen([sys.executable, "-m", "mediator_tui", "--env", str(env_file), "--headless",
                             "--export", str(tmp_path / "out"), *args],
                            cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)


def synthetic(tmp_path: Path, *args: str) -> subprocess.Popen:
    return headless(tmp_path, {"MEDIATION_URL": fake_invitation()}, "-f", str(SYNTHETIC), "--workers", "2", *args)


def finish(process: subprocess.Popen, timeout_s: float = 120) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=timeout_s)
    return process.returncode, stderr


def read_export(directory: Path) -> tuple[dict, list[dict]]:
    summary = json.loads((directory / "summary.json").read_text())
    with open(directory / "requests.csv", newline="") as f:
        return summary, list(csv.DictReader(f))


def wait_for_line(process: subprocess.Popen, text: str, timeout_s: float) -> str:
    """Read stderr until a line holds `text` (progress lines arrive every 5 s when stderr is no terminal)."""
    deadline = time.monotonic() + timeout_s
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r}; stderr so far:\n{''.join(seen)}")


EMBEDDED = {"MEDIATION_URL": "", "AGENT_ENGINE": "native", "LOCUST_MIN_WAIT": "0.2", "LOCUST_MAX_WAIT": "0.5",
            "VERIFIED_TIMEOUT_SECONDS": "20", "MEDIATOR_FLAVOUR": "acapy"}


@pytest.mark.e2e
def test_local_run_against_the_embedded_mediator_exports_consistent_figures(tmp_path):
    process = headless(tmp_path, EMBEDDED, "-f", "locustMediatorPing.py", "-u", "4", "-r", "4", "-t", "12s",
                       "--workers", "2", "--fail-on", "fail_ratio>0.5", "--fail-on", "crashes>0",
                       # Judged on the running test: after the stop no agent runs.
                       "--fail-on", "agents_running<4")
    code, stderr = finish(process, timeout_s=240)
    assert code == 0, stderr
    out = tmp_path / "out"
    assert sorted(os.listdir(out)) == sorted(EXPORT_FILES)
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


@pytest.mark.integration
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


@pytest.mark.integration
def test_a_crossed_threshold_exits_3_and_says_which(tmp_path):
    process = synthetic(tmp_path, "-u", "4", "-r", "4", "-t", "5s", "--fail-on", "fail_ratio>0.001",
                        "--fail-on", "p95(ping_mediator)>5000")
    code, stderr = finish(process)
    assert code == 3, stderr
    assert "fail_ratio>0.001" in stderr and "FAILED" in stderr
    summary, _ = read_export(tmp_path / "out")
    assert [(t["expr"], t["ok"]) for t in summary["thresholds"]] == [("fail_ratio>0.001", False),
                                                                      ("p95(ping_mediator)>5000", True)]


@pytest.mark.integration
def test_a_run_in_which_no_agent_could_start_exits_3_and_says_why(tmp_path):
    """Native agents asked to reach a mediator nobody answers: every start fails."""
    process = headless(tmp_path, {"MEDIATION_URL": fake_invitation(), "AGENT_ENGINE": "native"},
                       "-f", "locustMediatorPing.py", "-u", "2", "-r", "2", "-t", "8s", "--workers", "1")
    code, stderr = finish(process)
    assert code == 3, stderr
    assert "nothing worked: no agent started" in stderr
    summary, _ = read_export(tmp_path / "out")
    assert summary["run"]["nothing_worked"].startswith("no agent started")


@pytest.mark.integration
def test_a_bad_threshold_is_a_usage_error_before_anything_starts(tmp_path):
    code, stderr = finish(synthetic(tmp_path, "-t", "5s", "--fail-on", "p95>>1"), 30)
    assert code == 2 and "cannot read the threshold" in stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.e2e
def test_no_process_of_the_run_survives_a_sigkill_of_the_tool(tmp_path):
    """The whole run: embedded mediator, watchdog, master, workers with their agents."""
    process = headless(tmp_path, EMBEDDED, "-f", "locustMediatorPing.py", "-u", "2",
                       "-r", "2", "-t", "120s", "--workers", "2")
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
