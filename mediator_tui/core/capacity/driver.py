"""Runs a capacity search against a Locust master whose scenario includes the step ramp.

The master's shape (`locustfiles/locustCapacity.py`) owns the timeline; this
driver paces it over `/mediator-tui/capacity` (see
`mediator_tui/locust_support/step_ramp.py`): it starts the swarm when the ramp
waits, asks the ramp to hold every step, and per step takes three snapshots of
the metric store: when the step begins (onboarding counts from there), when its
steady window opens (settle time after spawning, and every agent of the step
running, or half the window gone; with a computed hold, every agent running or
onboarding stalled, after which the ramp is told the window opened and holds the
step for the window its plan computes), and when its hold is over (or, while no
worker's report has reached the window yet, up to REPORT_GRACE_S later). Then it tells the
ramp the next target, or to stop. Step times are compared with the master's own
clock (`RampState.served_at`), so a master on another host with another clock
works the same. Whatever ends the search (verdict, error, Ctrl-C), the ramp is
asked to stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mediator_tui.contracts.capacity import CapacityContractError, RampCommand, RampPlan, RampState, RampStep
from mediator_tui.core.capacity.figures import StepFigures, step_figures_from
from mediator_tui.core.capacity.levels import ServiceLevel, StepJudgement
from mediator_tui.core.capacity.search import CapacitySearch, Verdict
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.sources.master_api import MasterClient, MasterError

SPAWN_GRACE_S = 60.0  # beyond users / spawn rate, for workers that report late
# A window can close before any worker's report reached the master (a short hold on a loaded
# host): it is then held open this much longer for the first one, not judged empty.
REPORT_GRACE_S = 15.0
# With a computed hold a step's window waits for its agents to onboard at the mediator's pace, which for
# thousands takes minutes. It opens without them once no agent onboarded for ONBOARDING_STALL_S, the
# default onboarding timeout (VERIFIED_TIMEOUT_SECONDS): every onboarding in flight has ended by then, done
# or failed, so the rest is not coming at this step; or at the latest ONBOARDING_WAIT_MAX_S after the
# spawning ended, for an onboarding that crawls on. Either way the backlog left is judged at the window's end.
ONBOARDING_STALL_S = 60.0
ONBOARDING_WAIT_MAX_S = 1800.0


class CapacitySearchError(Exception):
    """The search cannot go on; the message says what to check."""


class CapacityDriver:
    def __init__(
        self,
        client: MasterClient,
        snapshot: Callable[[], Snapshot],
        levels: tuple[ServiceLevel, ...],
        resolution: int | None = None,
        *,
        poll_s: float = 1.0,
        on_step: Callable[[StepJudgement], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client = client
        self._snapshot = snapshot
        self._levels = levels
        self._resolution = resolution
        self._poll_s = poll_s
        self._on_step = on_step or (lambda _judgement: None)
        self._sleep = sleep

    def plan(self) -> RampPlan:
        """The ramp the master will run (its settings, not ours: it may be another host's)."""
        return self._state().plan

    def run(self) -> Verdict:
        state = self._state()
        if state.phase in ("stopped", "done"):
            raise CapacitySearchError(
                f"the step ramp on {self._client.base_url} has {state.phase}: stop the run and start a new swarm"
            )
        if state.phase == "waiting":
            self._client.swarm(users=state.plan.start, spawn_rate=state.plan.spawn_rate)
        search = CapacitySearch(state.plan.targets(), self._levels, self._resolution)
        try:
            self._command(RampCommand("pace"))
            index = _step(self._wait(lambda s: s.step is not None, 30.0, "the ramp's first step")).index
            while True:
                self._on_step(search.record(self._measure(index)))
                users = search.next_users()
                if users is None:
                    break
                index = _step(self._command(RampCommand("step", users))).index
        finally:
            self._stop_ramp()
        return search.verdict()

    def _measure(self, index: int) -> StepFigures:
        state = self._state()
        step = _step(state)
        began = self._snapshot()
        spawn_s = abs(step.users - began.status.users) / state.plan.spawn_rate + SPAWN_GRACE_S
        state = self._wait(
            lambda s: _current(s, index).spawning_ended_at is not None,
            spawn_s,
            f"step {index + 1} ({step.users} users) to finish spawning",
        )
        step = _current(state, index)
        steady_from, ends_at = _window(step)
        latest = steady_from + (ends_at - steady_from) / 2  # a fixed hold's window opens by then at the latest
        state = self._wait(
            lambda s: s.served_at >= steady_from,
            steady_from - state.served_at + 30.0,
            f"the steady window of step {index + 1}",
        )
        if state.plan.auto_hold:
            state = self._open_once_onboarded(state, index)
            ends_at = _window(_current(state, index))[1]
        else:
            while state.served_at < latest and not _onboarded(self._snapshot(), step):
                self._sleep(self._poll_s)
                state = self._state()
        start = self._snapshot()
        self._wait(lambda s: s.served_at >= ends_at, ends_at - state.served_at + 30.0, f"the end of step {index + 1}")
        self._sleep(self._poll_s)  # one more poll, so the store holds the counts up to the end
        end = self._snapshot()
        waited = 0.0
        while end.total.count == start.total.count and end.status.users and waited < REPORT_GRACE_S:
            self._sleep(self._poll_s)
            waited += self._poll_s
            end = self._snapshot()
        return step_figures_from(start, end, index=index, users_target=step.users, step_began=began)

    def _open_once_onboarded(self, state: RampState, index: int) -> RampState:
        """Wait for every agent of the step to run, or for its onboarding to stall (ONBOARDING_STALL_S,
        ONBOARDING_WAIT_MAX_S), on the master's clock; then the ramp opens the step's window."""
        step = _current(state, index)
        spawned = step.spawning_ended_at if step.spawning_ended_at is not None else state.served_at
        # Progress: more agents onboarded, or more running (a wallet reconnected from a population runs
        # without onboarding again), than ever before in this step.
        best, progress_at = (-1, -1), state.served_at
        while True:
            snapshot = self._snapshot()
            if _onboarded(snapshot, step):
                break
            counts = (snapshot.onboarding.onboarded, snapshot.agents.running)
            if counts[0] > best[0] or counts[1] > best[1]:
                best, progress_at = (max(counts[0], best[0]), max(counts[1], best[1])), state.served_at
            if (
                state.served_at - progress_at >= ONBOARDING_STALL_S
                or state.served_at - spawned >= ONBOARDING_WAIT_MAX_S
            ):
                break
            self._sleep(self._poll_s)
            state = self._running(self._state(), f"the agents of step {index + 1} to onboard")
        return self._command(RampCommand("steady"))

    def _running(self, state: RampState, what: str) -> RampState:
        if state.phase in ("stopped", "done") or self._snapshot().status.state in ("stopped", "ended"):
            raise CapacitySearchError(f"the load stopped while waiting for {what} (stopped from elsewhere?)")
        return state

    def _state(self) -> RampState:
        payload = self._client.capacity()
        if payload is None:
            raise CapacitySearchError(
                f"the master at {self._client.base_url} runs no step ramp: "
                f"add locustCapacity.py to its locustfiles (-f <scenario>.py,locustCapacity.py)"
            )
        try:
            return RampState.from_json(payload)
        except CapacityContractError as error:
            raise CapacitySearchError(f"the master at {self._client.base_url}: {error}") from None

    def _command(self, command: RampCommand) -> RampState:
        try:
            return RampState.from_json(self._client.capacity_command(command.to_json()))
        except CapacityContractError as error:
            raise CapacitySearchError(f"the master at {self._client.base_url}: {error}") from None

    def _wait(self, condition: Callable[[RampState], bool], timeout_s: float, what: str) -> RampState:
        waited = 0.0
        while True:
            state = self._running(self._state(), what)
            if condition(state):
                return state
            if waited >= timeout_s:
                raise CapacitySearchError(f"waited {waited:.0f} s for {what}; are the workers alive and connected?")
            self._sleep(self._poll_s)
            waited += self._poll_s

    def _stop_ramp(self) -> None:
        try:
            self._command(RampCommand("stop"))
        except (MasterError, CapacitySearchError):
            pass  # already stopped, or the master is gone: either way no load is left to end here


def _step(state: RampState) -> RampStep:
    if state.step is None:
        raise CapacitySearchError("the ramp serves no current step: another client steers it")
    return state.step


def _window(step: RampStep) -> tuple[float, float]:
    """When the step's steady window opens and when the step ends: set once its spawning ended."""
    if step.steady_from is None or step.ends_at is None:
        raise CapacitySearchError(f"the ramp served step {step.index + 1} without its steady window")
    return step.steady_from, step.ends_at


def _current(state: RampState, index: int) -> RampStep:
    if state.step is None or state.step.index != index:
        raise CapacitySearchError(f"the ramp left step {index + 1} on its own: another client steers it")
    return state.step


def _onboarded(snapshot: Snapshot, step: RampStep) -> bool:
    """Every agent of the step runs: its users times the agents each holds (one each until a worker said)."""
    agents = snapshot.agents
    per_user = 1.0 if agents.per_user is None else agents.per_user
    return not agents.known or agents.running == round(step.users * per_user)
