"""How fast the workers' local ports are being used up: the change of `in_use` per second."""

from __future__ import annotations

import collections

PORT_TREND_S = 10.0


class PortsTrend:
    def __init__(self, window_s: float = PORT_TREND_S):
        self._window_s = window_s
        self._samples: collections.deque[tuple[float, int]] = collections.deque()

    def add(self, t: float, in_use: int) -> None:
        self._samples.append((t, in_use))
        while self._samples and self._samples[0][0] < t - self._window_s:
            self._samples.popleft()

    def per_s(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, first), (t1, last) = self._samples[0], self._samples[-1]
        return (last - first) / (t1 - t0) if t1 > t0 else 0.0
