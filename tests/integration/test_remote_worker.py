"""`mediator-tui worker --master HOST:PORT` joins a run the tool started, as a user on another host runs it: a
separate process, in a folder of its own, given nothing but the master's address."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mediator_tui import __version__
from mediator_tui.core.config import BY_KEY
from mediator_tui.core.processes import free_loopback_ports
from tests.support.headless_runs import fake_invitation

ECHO = Path(__file__).parent / "data" / "locustfile_settings_echo.py"
SECRET = "sekrit-header-value"
MASTER_SETTINGS = {
    "MEDIATION_URL": fake_invitation(),
    "MESSAGE_TO_SEND": "travelled",
    "ISSUER_HEADERS": '{"x-api-key": "' + SECRET + '"}',
}


def host_environment() -> dict[str, str]:
    """Another host's environment: none of the run's settings, none of this checkout's paths."""
    env = {key: value for key, value in os.environ.items() if key not in BY_KEY and key != "PYTHONPATH"}
    return {**env, "ECHO_HOST": "the worker host"}


def start_worker(folder: Path, master_port: int, *prelude: str, timeout_s: float = 20) -> subprocess.Popen[str]:
    """The command as a user types it; `prelude`: Python run first in its process (a fake version)."""
    folder.mkdir()
    command = (
        "import sys, mediator_tui; "
        + "".join(f"{line}; " for line in prelude)
        + "from mediator_tui.commands.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            command,
            "worker",
            "--master",
            f"127.0.0.1:{master_port}",
            "--join-timeout",
            str(timeout_s),
        ],
        cwd=folder,
        env=host_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_worker_joins_with_the_scenario_and_settings_from_the_master_and_no_secret(local_run, tmp_path):
    run = local_run(MASTER_SETTINGS, ECHO, workers=1)
    worker = start_worker(tmp_path / "worker-host", run.local.master_port)
    try:
        run.master.wait_for(lambda: len(run.master.ready_workers()) == 2, 60, "the joining worker")
        run.local.client.swarm(2, 2)
        rows = run.master.rows_when(lambda rows: len(rows) >= 2, 30, "a row from each worker")
    finally:
        run.local.shutdown()
        try:
            out, err = worker.communicate(timeout=90)
        finally:
            worker.kill()
    # Each worker read the master's MESSAGE_TO_SEND; only the master's host has the secret.
    assert set(rows) >= {
        "setting travelled on the master host, issuer headers set",
        "setting travelled on the worker host, issuer headers unset",
    }, rows
    assert f"connected to master 127.0.0.1:{run.local.master_port} (mediator-tui {__version__})" in out
    settings_line = next(line for line in out.splitlines() if line.startswith("settings from the master"))
    assert "MESSAGE_TO_SEND" in settings_line and "MEDIATION_URL" in settings_line
    assert "ISSUER_HEADERS" not in settings_line
    assert "missing secrets (set them in this host's .env or environment): ISSUER_HEADERS" in out
    assert SECRET not in out + err
    # The master quit, and the worker with it.
    assert worker.returncode is not None


def test_a_worker_of_another_version_is_refused_naming_both(local_run, tmp_path):
    run = local_run(MASTER_SETTINGS, ECHO, workers=1)
    worker = start_worker(tmp_path / "old-host", run.local.master_port, "mediator_tui.__version__ = '0.0.9'")
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 2
    assert err.strip() == f"mediator-tui worker: worker 0.0.9 refused by master {__version__}: install the same version"
    assert "Traceback" not in out + err
    assert len(run.master.ready_workers()) == 1  # its own worker only


def test_a_master_that_does_not_answer_is_one_line_and_exit_2(tmp_path):
    (port,) = free_loopback_ports(1)
    worker = start_worker(tmp_path / "lonely-host", port, timeout_s=2)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 2
    assert err == (
        f"mediator-tui worker: master 127.0.0.1:{port} did not answer within 2 s: is a run of mediator-tui started "
        "there, its master bound to an address this host reaches (MASTER_HOST, MASTER_PORT)?\n"
    )
