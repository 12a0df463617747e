"""When a probe source is next read: at its own interval, doubling up to a cap while it is slow or failing."""

from __future__ import annotations

MAX_INTERVAL_S = 15.0
# Reads happen on the runner's ticks, a little late or early each: a source is due within half a
# base interval of its time, or a 1 s source would skip every other 1 s tick.
SLACK = 0.5


class Backoff:
    def __init__(self, interval_s: float, max_interval_s: float = MAX_INTERVAL_S):
        self.base_s = interval_s
        self.max_s = max(max_interval_s, interval_s)
        self.interval_s = interval_s
        self._next_at: float | None = None

    def due(self, now: float) -> bool:
        return self._next_at is None or now + self.base_s * SLACK >= self._next_at

    def done(self, now: float, healthy: bool) -> None:
        """Record a reading made at `now`: healthy readings go back to the base interval."""
        self.interval_s = self.base_s if healthy else min(self.max_s, max(self.interval_s, self.base_s) * 2)
        self._next_at = now + self.interval_s
