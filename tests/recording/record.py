"""Record what a real run feeds its metric store, for tests that need a snapshot of a real run.

    .venv/bin/python -m tests.recording.record tests/data/recorded_run.json

runs `mediator-tui --headless` in this process against the embedded ACA-Py mediator with
Credo agents (two workers, six users: three pinging their mediator, three pairs of wallets
sending each other messages through it, 45 s). Once every agent runs, it freezes one agent
process (SIGSTOP: its requests time out, real failures) and kills another (SIGKILL: a real
crash and a restart), then kills the frozen one too; it writes every call the run made
on its store (the master's payloads, this host's memory, the mediator probe's readings,
the swarm and stop) with its time. Paths of this machine and its host name are replaced,
so the file can be kept in the repository. `replay.py` feeds the file to a fresh store.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import psutil

from mediator_tui.commands.cli import main
from mediator_tui.core.metrics.store import MetricStore

REPO = Path(__file__).resolve().parents[2]
SETTINGS = {
    "MEDIATION_URL": "",
    "AGENT_ENGINE": "credo",
    "MEDIATOR_FLAVOUR": "acapy",
    "LOCUST_MIN_WAIT": "0.5",
    "LOCUST_MAX_WAIT": "1.0",
    "VERIFIED_TIMEOUT_SECONDS": "8",
    "LOG_LEVEL": "info",
}
ARGS = ["-f", "locustMediatorPing.py,locustMediatorDeliver.py", "-u", "6", "-r", "2", "-t", "45s", "--workers", "2"]
AGENTS = 9  # three ping users with one wallet each, three delivering users with two
RECORDED = (
    "__init__",
    "describe_run",
    "swarm_requested",
    "stop_requested",
    "swarm_stopped",
    "reset",
    "feed_host_memory",
    "feed_probe",
    "feed_error",
    "feed",
)


def record_calls(calls: list) -> list[MetricStore]:
    """Every call on a MetricStore from now on goes to `calls` as [time, method, args, kwargs] too."""
    stores = []
    for name in RECORDED:
        original = getattr(MetricStore, name)

        def wrapper(self, *args, _original=original, _name=name, **kwargs):
            if _name == "__init__":
                stores.append(self)
            else:
                kwargs = {k: v for k, v in kwargs.items() if k != "t"}  # replayed on the recorded clock
            calls.append([time.time(), _name, [_plain(a) for a in args], kwargs])
            return _original(self, *args, **kwargs)

        setattr(MetricStore, name, wrapper)
    return stores


def _plain(value):
    """JSON of a call's argument: dataclasses (HostMemory, ProbeSample and its parts) as objects."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return [_plain(item) for item in value] if isinstance(value, (tuple, list)) else value


def trouble_once_steady(stores: list[MetricStore], expected: int, log: list[str]) -> None:
    """Once every agent runs: freeze one Node agent process, kill another, later kill the frozen one."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if stores and stores[-1].snapshot().agents.running >= expected:
            break
    agents = [p for p in psutil.Process().children(recursive=True) if "agent.js" in " ".join(p.cmdline())]
    if len(agents) < 2:
        log.append(f"only {len(agents)} agent processes found")
        return
    frozen, killed = agents[0], agents[1]
    for pause, process, sig in ((5, frozen, signal.SIGSTOP), (5, killed, signal.SIGKILL), (12, frozen, signal.SIGKILL)):
        time.sleep(pause)
        process.send_signal(sig)
        log.append(f"{signal.Signals(sig).name} to agent process {process.pid}")


def scrub(text: str) -> str:
    for machine, stand_in in (
        (str(REPO), "."),
        (str(Path.home()), "~"),
        (tempfile.gettempdir(), "/tmp"),
        (socket.gethostname(), "host"),
    ):
        text = text.replace(machine, stand_in)
    return text


def record(out: Path) -> None:
    calls: list = []
    stores = record_calls(calls)
    log: list[str] = []
    threading.Thread(target=trouble_once_steady, args=(stores, AGENTS, log), daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        env_file = Path(tmp) / "record.env"
        env_file.write_text("".join(f"{key}={value}\n" for key, value in SETTINGS.items()))
        for key in [k for k in os.environ if k.startswith(("LOCUST_", "MEDIATION_"))]:
            del os.environ[key]
        code = main(["--env", str(env_file), "--headless", "--export", str(Path(tmp) / "out"), *ARGS])
    print(f"headless exit {code}; {'; '.join(log) or 'no agent troubled'}; {len(calls)} calls", file=sys.stderr)
    out.write_text(scrub(json.dumps({"command": ARGS, "calls": calls}, separators=(",", ":"))) + "\n")


if __name__ == "__main__":
    record(Path(sys.argv[1]))
