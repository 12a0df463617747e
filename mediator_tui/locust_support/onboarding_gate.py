"""Onboarding at the mediator's pace: how many of a worker's onboardings may be in flight at once.

Locust spawns users at the rate asked for; a mediator onboards at its own. Without a cap a 10,000-wallet
ramp at 25 users a second kept thousands of onboardings waiting inside the mediator until they timed out.
Here each user waits for admission before its agent starts; the cap on onboardings in flight moves the
way TCP's congestion window does (additive increase, multiplicative decrease):

- an onboarding that succeeds while the latency stays within budget adds 1/cap to the cap (about one more
  per cap's worth of onboardings), up to the ceiling. The latency is the median of the latest onboardings
  admitted since the last cut (as many as the cap, at least 3), so that one slow onboarding (the host
  paused a process) cuts nothing, and those that were slow before a cut do not cut again after it;
- the budget is the target latency, or twice the usual unloaded latency (the 10th percentile of the last
  200 onboardings) when that is longer: an onboarding is several round trips, which a busy host slows
  without the mediator queueing anything, and the cap must not stay small for that;
- a failure (a timeout, a refusal), or a median over the budget (the latency climbed: the mediator queues),
  halves the cap, at least 1; the onboardings admitted before that cut report the same congestion, so they
  do not cut it again.

The gate is one per worker process (the greenlets of its users share it) and every worker adapts on its
own: all of them see the same mediator's latency, so they slow down together. Waiting here is not part of
the onboarding's time (the `agent_start` row times from admission), so it never turns into a timeout.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import gevent.event

DEFAULT_START = 4
DEFAULT_CEILING = 64
DEFAULT_TARGET_S = 1.0
CLIMB = 2.0  # latency over this many times the unloaded one is a queue building up
RECENT = 200  # successful onboardings the unloaded latency is taken from
UNLOADED_QUANTILE = 0.1
LATEST_AT_LEAST = 3  # onboardings the current latency is the median of, when the cap is smaller


@dataclass(frozen=True)
class GateState:
    """What the worker reports of its gate: users waiting for admission, onboardings in flight, the cap."""

    waiting: int
    in_flight: int
    cap: int  # 0: no cap


class Admission:
    """One admitted onboarding; tell the gate how it ended, once."""

    def __init__(self, gate: OnboardingGate, admitted_at: float, cut_epoch: int) -> None:
        self._gate = gate
        self.admitted_at = admitted_at
        self.cut_epoch = cut_epoch  # the gate's cuts when this one was admitted
        self._ended = False

    def succeeded(self) -> None:
        self._end(ok=True)

    def failed(self) -> None:
        self._end(ok=False)

    def withdrawn(self) -> None:
        """Ended without asking the mediator anything (a local limit, the user stopped): no signal."""
        self._end(ok=None)

    def _end(self, ok: bool | None) -> None:
        if not self._ended:
            self._ended = True
            self._gate.finish(self, ok)


class OnboardingGate:
    def __init__(
        self,
        start: int = DEFAULT_START,
        ceiling: int = DEFAULT_CEILING,
        target_s: float = DEFAULT_TARGET_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`ceiling` 0 admits everyone at once (no cap); `start` is the cap before any onboarding ended."""
        self.ceiling = ceiling
        self.target_s = target_s
        self._clock = clock
        self._window = float(max(1, min(start, ceiling))) if ceiling else math.inf
        self._in_flight = 0
        self._queue: deque[gevent.event.Event] = deque()
        self._cuts = 0
        self._recent: deque[float] = deque(maxlen=RECENT)  # latencies of the latest successful onboardings
        self._since_cut: deque[float] = deque(maxlen=RECENT)  # those of them admitted since the last cut

    @property
    def cap(self) -> int:
        return 0 if math.isinf(self._window) else max(1, int(self._window))

    def budget_s(self) -> float:
        """The latency under which the cap grows: the target, or CLIMB times the unloaded latency if longer."""
        if not self._recent:
            return self.target_s
        ordered = sorted(self._recent)
        return max(self.target_s, CLIMB * ordered[int(len(ordered) * UNLOADED_QUANTILE)])

    def latency_s(self) -> float | None:
        """The median latency of the latest onboardings admitted since the last cut (as many as the cap, at
        least LATEST_AT_LEAST); None while fewer ended."""
        if len(self._since_cut) < LATEST_AT_LEAST:
            return None
        return statistics.median(list(self._since_cut)[-max(LATEST_AT_LEAST, self.cap) :])

    def state(self) -> GateState:
        return GateState(waiting=len(self._queue), in_flight=self._in_flight, cap=self.cap)

    def admit(self) -> Admission:
        """Wait (yielding to other greenlets) until an onboarding may start; first come, first admitted."""
        if not self._queue and self._has_room():
            self._in_flight += 1
        else:
            turn = gevent.event.Event()
            self._queue.append(turn)
            try:
                turn.wait()
            except BaseException:
                # Killed while waiting (the user stopped): leave the queue, or give back a slot handed over.
                if turn.is_set():
                    self._in_flight -= 1
                    self._admit_waiting()
                else:
                    self._queue.remove(turn)
                raise
        return Admission(self, self._clock(), self._cuts)

    def _has_room(self) -> bool:
        cap = self.cap
        return cap == 0 or self._in_flight < cap

    def _cut(self, admission: Admission) -> None:
        if admission.cut_epoch == self._cuts:  # else a cut since its admission answered the same congestion
            self._window = max(1.0, self._window / 2.0)
            self._cuts += 1
            self._since_cut.clear()

    def _admit_waiting(self) -> None:
        # The slot is handed over (counted in flight here), so no newcomer takes it first.
        while self._queue and self._has_room():
            self._in_flight += 1
            self._queue.popleft().set()

    def finish(self, admission: Admission, ok: bool | None) -> None:
        """`admission` ended: succeeded (True), failed (False) or withdrawn (None); its latency moves the cap."""
        self._in_flight -= 1
        if ok is not None and not math.isinf(self._window):
            budget = self.budget_s()  # of the onboardings before this one: the first is judged on the target
            if not ok:
                self._cut(admission)
            else:
                latency = self._clock() - admission.admitted_at
                self._recent.append(latency)
                if admission.cut_epoch == self._cuts:
                    self._since_cut.append(latency)
                current = self.latency_s()
                if (latency if current is None else current) <= budget:
                    self._window = min(float(self.ceiling), self._window + 1.0 / self._window)
                elif current is not None:
                    self._cut(admission)
        self._admit_waiting()
