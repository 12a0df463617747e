"""Ports for agents that listen (non-mediated), shared by the users of one worker.

The tool we replace handed every agent a port from `[START_PORT, END_PORT)`, looped
without yielding when the pool ran dry (freezing the whole Locust process) and gave
the same range to every process on a host. Here a pool refuses at once with a
`AgentLimitError` naming itself, and several workers on one host each take their own
slice of the range (`worker_slice`).
"""

from __future__ import annotations

import os
import threading
from collections import deque

from mediator_tui.agents.interface import AgentLimitError


def worker_slice(start: int, end: int, worker_index: int, workers_per_host: int) -> tuple[int, int]:
    """The part of `[start, end)` that worker `worker_index` owns.

    The range is cut into `workers_per_host` equal slices and a worker takes slice
    `worker_index % workers_per_host`; workers started together on one host get
    consecutive indices from the master, so their slices never overlap. A remainder
    that does not divide evenly stays unused; a range smaller than the number of
    workers leaves them empty pools that refuse every agent (naming themselves).
    """
    if end <= start:
        raise ValueError(f"empty port range [{start}, {end})")
    slices = max(1, workers_per_host)
    size = (end - start) // slices
    index = max(0, worker_index) % slices
    return start + index * size, start + (index + 1) * size


def workers_per_host(configured: int, forked: int | None = None) -> int:
    """`LOCUST_WORKERS`; when 0, the workers Locust forks itself (`--processes N`), else one per core."""
    if configured > 0:
        return configured
    if forked is not None and forked > 0:
        return forked
    return os.cpu_count() or 1


class PortPool:
    """Lends ports of `[start, end)`; never blocks, never lends a port twice."""

    def __init__(self, start: int, end: int, name: str = "port pool"):
        self.start, self.end = start, end
        self.name = f"{name} [{start}, {end})"
        self._free: deque[int] = deque(range(start, end))
        self._lent: set[int] = set()
        self._lock = threading.Lock()
        self.in_use_max = 0
        self.refused = 0

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def in_use(self) -> int:
        return len(self._lent)

    def acquire(self) -> int:
        with self._lock:
            if not self._free:
                self.refused += 1
                raise AgentLimitError(f"{self.name} exhausted: all {self.size} ports in use")
            port = self._free.popleft()
            self._lent.add(port)
            self.in_use_max = max(self.in_use_max, len(self._lent))
            return port

    def release(self, port: int) -> None:
        """Give a port back; releasing one that is not lent is a no-op (shutdown may run twice)."""
        with self._lock:
            if port in self._lent:
                self._lent.discard(port)
                self._free.append(port)

    def snapshot(self) -> dict:
        return {"size": self.size, "in_use": self.in_use, "in_use_max": self.in_use_max, "refused": self.refused}
