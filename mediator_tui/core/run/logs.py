"""Log lines of a run's processes, read from their log files for the TUI's log pane.

Children write to files (a pipe nobody reads would stall them); a tail thread
reads what was appended about twice a second into a bounded buffer that the
TUI drains without blocking. The files followed are the run's registered logs:
an export keeps the end of each (`core/export/logs.py`).
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mediator_tui.common.terminal_text import printable

BUFFER_LINES = 20_000
READ_EVERY_S = 0.5
MAX_READ_BYTES = 1_000_000  # per file and round: a flood cannot stall the tail thread


@dataclass(frozen=True)
class LogLine:
    source: str  # "master", "worker", "agent", "mediator", or "tool"
    text: str


class LogTail:
    def __init__(self, redact: Callable[[str], str] = lambda text: text):
        self._redact = redact
        self._files: list[tuple[str, Path, list[int]]] = []  # source, path, [offset]
        self._lines: collections.deque[LogLine] = collections.deque(maxlen=BUFFER_LINES)
        self._partial: dict[Path, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def follow(self, source: str, path: Path) -> None:
        with self._lock:
            if any(followed == path for _, followed, _ in self._files):
                return  # a second start after a failed one writes on into the same file
            self._files.append((source, path, [0]))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="log-tail", daemon=True)
            self._thread.start()

    def files(self) -> tuple[tuple[str, Path], ...]:
        """Every log file followed, as (source, path): what an export keeps of the run's logs."""
        with self._lock:
            return tuple((source, path) for source, path, _ in self._files)

    def say(self, text: str, source: str = "tool") -> None:
        """A line from the tool itself (progress of a start, a warning)."""
        with self._lock:
            self._lines.append(LogLine(source, printable(self._redact(text))))

    def drain(self, limit: int = 2000) -> list[LogLine]:
        with self._lock:
            count = min(limit, len(self._lines))
            return [self._lines.popleft() for _ in range(count)]

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        self.read_new()

    def read_new(self) -> None:
        with self._lock:
            files = list(self._files)
        for source, path, offset in files:
            try:
                with open(path, "rb") as log:
                    log.seek(offset[0])
                    chunk = log.read(MAX_READ_BYTES)
            except OSError:
                continue
            offset[0] += len(chunk)
            text = self._partial.pop(path, "") + chunk.decode("utf-8", errors="replace")
            *complete, rest = text.split("\n")
            if rest:
                self._partial[path] = rest
            with self._lock:
                self._lines.extend(LogLine(source, printable(self._redact(line))) for line in complete if line)

    def _run(self) -> None:
        while not self._stop.wait(READ_EVERY_S):
            self.read_new()
