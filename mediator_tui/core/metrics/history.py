"""A bounded history of the whole run: one point per second, coarser as the run grows long.

When the history is full, its resolution halves (of each two-step bucket the later point
stays, as a second poll within a second replaces the first), so a run of any length keeps
its beginning; `step_s` says how many seconds each point stands for.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar


class Timed(Protocol):
    """A point of a history (read-only, so that frozen dataclasses are points too)."""

    @property
    def t(self) -> float: ...


P = TypeVar("P", bound=Timed)


class PerSecond(Generic[P]):
    def __init__(self, seconds: int) -> None:
        self._capacity = max(2, seconds)
        self._points: list[P] = []
        self.step_s = 1

    def _bucket(self, point: P) -> int:
        return int(point.t // self.step_s)

    def add(self, point: P) -> None:
        # A second poll within the same bucket replaces the first.
        if self._points and self._bucket(self._points[-1]) == self._bucket(point):
            self._points.pop()
        elif len(self._points) >= self._capacity:
            self._halve()
            if self._points and self._bucket(self._points[-1]) == self._bucket(point):
                self._points.pop()
        self._points.append(point)

    def _halve(self) -> None:
        self.step_s *= 2
        kept: dict[int, P] = {}
        for point in self._points:
            kept[self._bucket(point)] = point  # the later point of a bucket wins
        self._points = list(kept.values())

    @property
    def last(self) -> P | None:
        return self._points[-1] if self._points else None

    def points(self) -> tuple[P, ...]:
        return tuple(self._points)
