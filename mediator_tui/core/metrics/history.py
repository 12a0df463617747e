"""A bounded history with one point per wall-clock second, the shape every chart and CSV reads."""

from __future__ import annotations

import collections
from typing import Generic, Protocol, TypeVar


class _Timed(Protocol):
    t: float


P = TypeVar("P", bound=_Timed)


class PerSecond(Generic[P]):
    def __init__(self, seconds: int):
        self._points: collections.deque[P] = collections.deque(maxlen=seconds)

    def add(self, point: P) -> None:
        # A second poll within the same second replaces the first.
        if self._points and int(self._points[-1].t) == int(point.t):
            self._points.pop()
        self._points.append(point)

    @property
    def last(self) -> P | None:
        return self._points[-1] if self._points else None

    def points(self) -> tuple[P, ...]:
        return tuple(self._points)
