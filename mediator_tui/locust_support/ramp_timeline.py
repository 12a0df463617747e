"""The step ramp's timeline, free of Locust and gevent: what the shape's `tick()` returns and the route serves.

`step_ramp.py` is its Locust face; the docstring there says how the tool paces it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from mediator_tui.common.steady_clock import steady_wall_clock
from mediator_tui.contracts.capacity import CapacityContractError, RampCommand, RampPlan, RampState, RampStep


class RampNotRunning(CapacityContractError):
    """A command while no ramp runs (before `/swarm`, after a stop or past the maximum)."""


class StepRamp:
    """The ramp's timeline, free of Locust: what `tick()` returns and what the route serves."""

    def __init__(self, plan: RampPlan, clock: Callable[[], float] | None = None):
        """`clock`: the master's clock the steps are timed on (`RampState.served_at`); steady across steps of
        the system clock by default, as a step's hold is a duration."""
        self.plan = plan
        self._clock = clock or steady_wall_clock()
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._phase = "waiting"
        self._paced = False
        self._ended = False
        self._step: RampStep | None = None
        self._targets = list(self.plan.targets())

    def load_stopped(self) -> None:
        """The load ended (by the ramp or a stop elsewhere): the next swarm starts the ramp again.

        The state stays readable until then, so the tool sees how the ramp ended."""
        with self._lock:
            self._ended = True

    def tick(self) -> tuple[int, float] | None:
        with self._lock:
            now = self._clock()
            if self._ended:
                self.reset()
            if self._phase in ("stopped", "done"):
                return None
            step = self._step
            if step is None:
                self._phase = "paced" if self._paced else "ramping"
                step = self._begin(self._targets.pop(0), now)
            elif not self._paced and step.held(now):
                if not self._targets:
                    self._phase = "done"
                    return None
                step = self._begin(self._targets.pop(0), now)
            return step.users, self.plan.spawn_rate

    def spawning_complete(self) -> None:
        with self._lock:
            if self._step is not None and self._step.spawning_ended_at is None:
                ended = self._clock()
                self._step = RampStep(
                    index=self._step.index,
                    users=self._step.users,
                    started_at=self._step.started_at,
                    spawning_ended_at=ended,
                    steady_from=ended + self.plan.settle_s,
                    ends_at=ended + self.plan.hold_for(self._step.users),
                )

    def command(self, command: RampCommand) -> None:
        with self._lock:
            if self._phase in ("waiting", "stopped", "done"):
                raise RampNotRunning(f"the ramp is {self._phase}: start it with /swarm first")
            if command.command == "stop":
                self._phase = "stopped"
                return
            if command.command == "steady":
                self._open_window()
                return
            self._paced = True
            if self._phase == "ramping":
                self._phase = "paced"
            if command.command == "step" and command.users is not None and self._phase == "paced":
                self._begin(command.users, self._clock())

    def _open_window(self) -> None:
        """The tool saw the step's agents onboarded: its window opens now and lasts the plan's window."""
        step = self._step
        if not self.plan.auto_hold:
            raise CapacityContractError("ramp command 'steady' needs a computed hold (CAPACITY_HOLD=auto)")
        if step is None or step.spawning_ended_at is None:
            raise CapacityContractError("ramp command 'steady' before the step's spawning ended")
        now = self._clock()
        self._step = replace(step, steady_from=now, ends_at=now + self.plan.window_s(step.users))

    def state(self) -> RampState:
        with self._lock:
            return RampState(plan=self.plan, phase=self._phase, step=self._step, served_at=self._clock())

    def _begin(self, users: int, now: float) -> RampStep:
        index = 0 if self._step is None else self._step.index + 1
        self._step = RampStep(index=index, users=users, started_at=now)
        return self._step
