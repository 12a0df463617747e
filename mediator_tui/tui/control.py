"""What the TUI needs from the run core: one object, local or attached, that it can steer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.run.logs import LogLine


class RunControl(Protocol):
    """Blocking calls (all but `snapshot` and `drain_logs`) run in a worker thread of the app."""

    def snapshot(self) -> Snapshot: ...

    def drain_logs(self) -> Sequence[LogLine]:
        """Lines since the last call; never blocks."""
        ...

    def redact(self, text: str) -> str:
        """`text` with the run's secrets scrubbed (an error's message may quote a child's log)."""
        ...

    def start(self) -> None: ...

    def join_command(self) -> str:
        """What starts workers for the run's master on another host ("" when none can join)."""
        ...

    def stop(self) -> None: ...

    def rescale(self, users: int, spawn_rate: float) -> None: ...

    def reset_stats(self) -> None: ...

    def export_now(self) -> Path: ...

    def shutdown(self) -> None:
        """End whatever this control started (never a master it attached to); idempotent."""
        ...
