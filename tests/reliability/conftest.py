"""Fault-injection runs: the tool's own run core (`LocalRun`: real Locust master and workers) driven
from the test, with the faults injected from outside as a user's machine would suffer them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mediator_tui.core.config import load_config
from mediator_tui.core.metrics.snapshot import RequestRow, Snapshot
from mediator_tui.core.run.controller import Load
from mediator_tui.core.run.local import LocalRun, LocalSpec

REPO = Path(__file__).resolve().parents[2]
LOCUSTFILES = REPO / "locustfiles"
DATA = Path(__file__).parent / "data"
# Short waits and timeouts: every fault test stays within a few tens of seconds.
QUICK = {"AGENT_ENGINE": "native", "LOCUST_MIN_WAIT": "0.2", "LOCUST_MAX_WAIT": "0.4",
         "VERIFIED_TIMEOUT_SECONDS": "4"}


class Run:
    """A `LocalRun` plus the waits a fault test needs; its processes and logs live in `run_dir`."""

    def __init__(self, local: LocalRun):
        self.local = local

    @property
    def run_dir(self) -> Path:
        return self.local.run_dir

    def snapshot(self) -> Snapshot:
        self.local.refresh(3.0)
        return self.local.snapshot()

    def row(self, name: str) -> RequestRow | None:
        return next((r for r in self.snapshot().requests if r.name == name), None)

    def wait_for(self, condition, timeout: float, what: str, interval: float = 0.5):
        """`condition(snapshot)`'s first true value; on timeout, an error showing the run as it is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snapshot = self.snapshot()
            result = condition(snapshot)
            if result:
                return result
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{describe(self.snapshot())}\n"
                             f"{self.log_tails()}")

    def worker_pids(self) -> list[int]:
        return [c.pid for c in self.local.group.children if c.name.startswith("worker-") and c.alive()]

    def log_tails(self, lines: int = 15) -> str:
        return "\n".join(f"--- {c.name} ---\n{c.log_tail(lines)}" for c in self.local.group.children
                         if c.log_path is not None)


def describe(snapshot: Snapshot) -> str:
    status, agents = snapshot.status, snapshot.agents
    rows = [f"  {r.key}: {r.count} requests, {r.failures} failures" for r in snapshot.requests]
    failures = [f"  {f.occurrences}x {f.type} {f.name}: {f.error[:200]}" for f in snapshot.failures]
    return "\n".join([f"state {status.state}, users {status.users}, workers {[(w.worker_id, w.state) for w in status.workers]}",
                      f"agents: running {agents.running} started {agents.started} crashed {agents.crashed} "
                      f"reconnects {agents.reconnects}; ports {snapshot.ports}",
                      "rows:", *rows, "failures:", *failures])


def write_env(path: Path, settings: dict[str, str]) -> Path:
    path.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    return path


@pytest.fixture
def local_run(tmp_path):
    """`local_run(settings, locustfile, workers=2)`: a prepared run (master and workers up, not swarming)
    configured from a `.env` holding `settings`; everything it started ends with the test."""
    runs: list[LocalRun] = []

    def make(settings: dict[str, str], locustfile: Path, workers: int = 2, users: int = 4,
             spawn_rate: float = 4.0) -> Run:
        name = f"run{len(runs)}"
        config = load_config(write_env(tmp_path / f"{name}.env", {**QUICK, **settings}), environ={})
        spec = LocalSpec(locustfiles=(Path(locustfile),), workers=workers,
                         mediation_url=config.raw.get("MEDIATION_URL", ""), env=config.child_environment(),
                         run_dir=tmp_path / name)
        local = LocalRun(spec, Load(users, spawn_rate), redact=config.redactor(), poll_every_s=0.5)
        runs.append(local)
        local.prepare()
        return Run(local)

    yield make
    for local in runs:
        local.shutdown()
