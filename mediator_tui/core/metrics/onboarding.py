"""Onboarding figures: how fast agents onboard, how long one takes, and how many wait.

- throughput: agents onboarded per second, the difference of the workers' `started` counters over the
  store's rate window (the same window as req/s), so it counts restarts as onboardings too;
- latency: the `agent_start` row's percentiles, timed from admission to the onboarded agent (waiting for
  admission is not in them);
- backlog: the users waiting for admission plus the onboardings in flight, with the gates' caps summed
  over the workers (mediator_tui/locust_support/onboarding_gate.py), as the latest reports say.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.core.metrics.history import PerSecond

if TYPE_CHECKING:  # the snapshot holds this module's figures
    from mediator_tui.core.metrics.snapshot import RequestRow

ONBOARDING_ROW = "agent_start"  # the step that onboards an agent (mediator_tui/locust_support/agent_slot.py)


@dataclass(frozen=True)
class OnboardingPoint:
    """One second of onboarding (onboarding.csv)."""

    t: float
    onboarded: int  # since the run began
    per_s: float | None  # over the rate window ending at `t`
    waiting: int
    in_flight: int
    cap: int


@dataclass(frozen=True)
class OnboardingSnapshot:
    known: bool = False  # False until a worker's report was read
    onboarded: int = 0  # agents started since the run began (restarts too)
    failures: int = 0  # onboardings that failed (timeouts, refusals)
    per_s: float | None = None  # onboarded per second over the rate window; None: one sample so far
    waiting: int = 0  # users waiting for admission
    in_flight: int = 0
    cap: int = 0  # the workers' caps on onboardings in flight, summed; 0: no cap
    p50_ms: float | None = None  # of the onboardings that ended in the latest interval
    p95_ms: float | None = None
    p95_ms_total: float | None = None  # since the run began
    peak_backlog: int = 0
    peak_per_s: float | None = None
    points: tuple[OnboardingPoint, ...] = ()
    seconds_per_point: int = 1

    @property
    def backlog(self) -> int:
        return self.waiting + self.in_flight


class OnboardingTrack:
    def __init__(self, window_s: float, history_len: int) -> None:
        self._window_s = window_s
        self._points: PerSecond[OnboardingPoint] = PerSecond(history_len)
        self._started: deque[tuple[float, int]] = deque()
        self._view: AgentsView | None = None
        self._peak_backlog = 0
        self._peak_per_s: float | None = None

    def add(self, t: float, view: AgentsView | None) -> None:
        if view is None:
            return
        self._view = view
        counts = view.total.agents
        self._started.append((t, counts.started))
        while len(self._started) > 2 and t - self._started[1][0] >= self._window_s:
            self._started.popleft()
        self._peak_backlog = max(self._peak_backlog, counts.onboarding_waiting + counts.onboarding_in_flight)
        per_s = self.per_s()
        if per_s is not None:
            self._peak_per_s = max(per_s, self._peak_per_s or 0.0)
        self._points.add(
            OnboardingPoint(
                t, counts.started, per_s, counts.onboarding_waiting, counts.onboarding_in_flight, counts.onboarding_cap
            )
        )

    def per_s(self) -> float | None:
        if len(self._started) < 2:
            return None
        (t0, n0), (t1, n1) = self._started[0], self._started[-1]
        return max(0, n1 - n0) / (t1 - t0) if t1 > t0 else None

    def snapshot(self, rows: tuple[RequestRow, ...]) -> OnboardingSnapshot:
        if self._view is None:
            return OnboardingSnapshot()
        counts = self._view.total.agents
        row = next((r for r in rows if r.name == ONBOARDING_ROW), None)
        return OnboardingSnapshot(
            known=True,
            onboarded=counts.started,
            failures=counts.start_failures,
            per_s=self.per_s(),
            waiting=counts.onboarding_waiting,
            in_flight=counts.onboarding_in_flight,
            cap=counts.onboarding_cap,
            p50_ms=row.interval_p50_ms if row else None,
            p95_ms=row.interval_p95_ms if row else None,
            p95_ms_total=row.p95_ms if row else None,
            peak_backlog=self._peak_backlog,
            peak_per_s=self._peak_per_s,
            points=self._points.points(),
            seconds_per_point=self._points.step_s,
        )
