"""The run the app steers, rebuilt from the saved `.env` when a start follows a change to it.

The configuration screen promises that saved changes apply to the next start: a run's
processes (mediator, master, workers) are built from the configuration once, so a start
after the file changed ends the old run and builds a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from mediator_tui.core.config import ConfigError
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.run.controller import RunController
from mediator_tui.core.run.logs import LogLine

# Builds a run from the .env as saved; raises ConfigError when it has problems.
BuildRun = Callable[[Path], RunController]


def _file_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


class RunSession:
    """Implements the app's `RunControl` over whichever run is current (none while the config is invalid)."""

    def __init__(self, config_path: Path, build: BuildRun, *, attached: bool) -> None:
        self.config_path = config_path
        self._build = build
        self._lock = threading.RLock()
        self._run: RunController | None = None
        self._built_from: str | None = None
        self._idle = MetricStore("attached" if attached else "local", "")
        self.problems: list[str] = []
        try:
            self._rebuild()
        except ConfigError as error:
            self.problems = [str(p) for p in error.problems]
            self._idle.feed_error(f"the configuration has {len(self.problems)} problem(s): press c to fix them")

    def _rebuild(self) -> RunController:
        text = _file_text(self.config_path)
        if self._run is not None:
            self._run.shutdown()
            self._run = None
        self._run = self._build(self.config_path)
        self._built_from = text
        self.problems = []
        return self._run

    def _current(self) -> RunController:
        if self._run is None:
            raise RuntimeError("no run: the configuration has problems (press c)")
        return self._run

    # -- RunControl --------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        run = self._run
        return run.snapshot() if run is not None else self._idle.snapshot()

    def drain_logs(self) -> Sequence[LogLine]:
        run = self._run
        return run.drain_logs() if run is not None else ()

    def redact(self, text: str) -> str:
        run = self._run
        return run.redact(text) if run is not None else text

    def start(self) -> None:
        with self._lock:
            run = self._run
            if run is None or _file_text(self.config_path) != self._built_from:
                run = self._rebuild()
            run.start()

    def join_command(self) -> str:
        run = self._run
        return run.join_command if run is not None else ""

    def stop(self) -> None:
        self._current().stop()

    def rescale(self, users: int, spawn_rate: float) -> None:
        self._current().rescale(users, spawn_rate)

    def reset_stats(self) -> None:
        self._current().reset_stats()

    def export_now(self) -> Path:
        return self._current().export_now()

    def shutdown(self) -> None:
        with self._lock:
            if self._run is not None:
                self._run.shutdown()
