"""No secret on any command line the tool starts, nor in the environment of a process that does not use it.

A run of the tool's own run core (`LocalRun`) with its embedded mediator and the credo engine, configured
with secrets (a bearer token in ISSUER_HEADERS, an attach password, a user's own API key) and with a token
in the tool's own environment: every process it started (Locust master and workers, the mediator, the
Node agents) is read through /proc while the users work.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from tests.fixtures.local_run import LOCUSTFILES

pytestmark = pytest.mark.e2e

BEARER = "bearer-9d1f3c7a5e"
ATTACH_PASSWORD = "attach-pw-4b8e2a"
API_KEY = "users-key-7c3e9f"
SHELL_TOKEN = "shell-token-2f6a1d"
SECRETS = (BEARER, ATTACH_PASSWORD, API_KEY, SHELL_TOKEN)


def _read(path: Path) -> str:
    return path.read_bytes().replace(b"\0", b" ").decode(errors="replace")


def _started_processes() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


def test_no_secret_in_a_command_line_nor_in_a_node_agent_environment(local_run, monkeypatch):
    if not os.path.isdir("/proc"):
        pytest.skip("reads /proc")
    monkeypatch.setenv("MY_SERVICE_TOKEN", SHELL_TOKEN)
    run = local_run(
        {
            "AGENT_ENGINE": "credo",
            "ISSUER_HEADERS": f'{{"Authorization": "Bearer {BEARER}"}}',
            "ATTACH_USERNAME": "ops",
            "ATTACH_PASSWORD": ATTACH_PASSWORD,
            "MY_API_KEY": API_KEY,
            "VERIFIED_TIMEOUT_SECONDS": "30",
        },
        LOCUSTFILES / "locustMediatorPing.py",
        workers=1,
        users=2,
        spawn_rate=2,
    )
    run.local.start()
    run.master.wait_for(
        lambda: run.master.rows().get("didcomm agent_start", {}).get("num_requests", 0) >= 2, 90, "two agents started"
    )
    seen: dict[str, list[int]] = {"node agent": [], "mediator": [], "locust": []}
    for process in _started_processes():
        try:
            command_line = _read(Path(f"/proc/{process.pid}/cmdline"))
            environment = _read(Path(f"/proc/{process.pid}/environ"))
        except (FileNotFoundError, ProcessLookupError, psutil.NoSuchProcess):
            continue  # ended meanwhile
        assert not [s for s in SECRETS if s in command_line], (process.pid, command_line)
        assert "--wallet-key" not in command_line and "--admin-api-key" not in command_line, command_line
        if "agent.js" in command_line:
            seen["node agent"].append(process.pid)
            assert not [s for s in SECRETS if s in environment], (process.pid, command_line)
        elif "aca-py" in command_line or "acapy" in command_line or "mediator.js" in command_line:
            seen["mediator"].append(process.pid)
            assert not [s for s in SECRETS if s in environment], (process.pid, command_line)
        elif "locust" in command_line:
            seen["locust"].append(process.pid)
    assert all(seen.values()), f"not every kind of process was read: {seen}"
