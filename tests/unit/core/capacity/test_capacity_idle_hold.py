"""The idle regime's computed hold (CAPACITY_HOLD=auto): how long a step is measured, what the plan line says,
and when the driver opens a step's window, on the real ramp timeline and a fake master's fixed clock."""

import dataclasses

import pytest

from mediator_tui.contracts.capacity import CapacityContractError, RampCommand, RampPlan, RampState
from mediator_tui.core.capacity.driver import ONBOARDING_STALL_S, CapacityDriver
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.lines import plan_line
from mediator_tui.core.capacity.plan import plan_from_settings
from mediator_tui.core.config import load_config
from mediator_tui.core.metrics.onboarding import OnboardingSnapshot
from mediator_tui.locust_support.ramp_timeline import StepRamp
from tests.recording.replay import running_run
from tests.support.capacity_fakes import idle_plan


@pytest.mark.parametrize(
    ("users", "min_wait", "max_wait", "window"),
    [
        (1000, 60.0, 120.0, 120.0),  # 200 pings take 18 s: every user pinging once (120 s) decides
        (100, 60.0, 120.0, 180.0),  # 200 pings at 100 users pinging every 90 s on average take 180 s
        (30, 60.0, 120.0, 600.0),
        (1000, 0.0, 0.5, 30.0),  # the throughput regime: never shorter than the least window
        (10, 1.0, 3.0, 40.0),
    ],
)
def test_a_computed_hold_measures_long_enough_for_200_pings_and_one_from_every_user(users, min_wait, max_wait, window):
    plan = idle_plan(min_wait_s=min_wait, max_wait_s=max_wait)
    assert plan.window_s(users) == window
    assert plan.hold_for(users) == 10.0 + window  # what the ramp holds after spawning when nobody opens it


def test_a_fixed_hold_is_measured_as_before():
    plan = RampPlan(start=10, step=10, max_users=60, hold_s=20.0, settle_s=5.0, spawn_rate=10.0)
    assert (plan.window_s(10), plan.hold_for(10), plan.hold_for(5000)) == (15.0, 20.0, 20.0)


def test_the_plan_line_says_the_hold_it_computed_and_why():
    assert plan_line(idle_plan(start=100, max_users=3000), None) == (
        "capacity search: 100 to 3000 Locust users by 1000 at 50 users/s, each step measured once its agents "
        "are onboarded (10 s settle at least): 180 s at 100 users: 200 pings at 100 users pinging every 60-120 s; "
        "120 s at 3,000 users: every user pings at least once (waits up to 120 s; 200 pings take 6 s)"
    )


def test_capacity_hold_auto_reads_the_waits_and_a_wrong_word_is_named(tmp_path):
    env = tmp_path / ".env"
    env.write_text(
        "CAPACITY_HOLD=auto\nLOCUST_MIN_WAIT=60\nLOCUST_MAX_WAIT=120\nCAPACITY_START=1000\n"
        "CAPACITY_MAX=5000\nCAPACITY_STEP=1000\n"
    )
    plan = plan_from_settings(load_config(env, environ={}, strict=False).values)
    assert (plan.auto_hold, plan.min_wait_s, plan.max_wait_s, plan.window_s(plan.start)) == (True, 60.0, 120.0, 120.0)
    env.write_text("CAPACITY_HOLD=automatic\n")
    (problem,) = [p for p in load_config(env, environ={}, strict=False).problems if p.key == "CAPACITY_HOLD"]
    assert "is not a duration (e.g. 90s, 5m, 1h30m) or auto" in str(problem)


def test_the_ramp_opens_a_computed_window_when_told_and_refuses_it_for_a_fixed_hold():
    clock = [1000.0]
    ramp = StepRamp(idle_plan(), lambda: clock[0])
    ramp.tick()
    ramp.command(RampCommand("pace"))
    with pytest.raises(CapacityContractError, match="before the step's spawning ended"):
        ramp.command(RampCommand("steady"))
    clock[0] = 1020.0
    ramp.spawning_complete()
    assert (ramp.state().step.steady_from, ramp.state().step.ends_at) == (1030.0, 1150.0)
    clock[0] = 1200.0  # onboarding took three minutes
    ramp.command(RampCommand("steady"))
    step = ramp.state().step
    assert (step.spawning_ended_at, step.steady_from, step.ends_at) == (1020.0, 1200.0, 1320.0)
    fixed = StepRamp(RampPlan(start=2, step=2, max_users=2, hold_s=4.0, settle_s=1.0, spawn_rate=20.0))
    fixed.tick()
    with pytest.raises(CapacityContractError, match="needs a computed hold"):
        fixed.command(RampCommand("steady"))


def test_a_plan_with_a_computed_hold_crosses_and_an_older_plan_reads_as_a_fixed_hold():
    ramp = StepRamp(idle_plan())
    ramp.tick()
    state = ramp.state()
    assert RampState.from_json(state.to_json()) == state
    older = state.to_json().replace(', "auto_hold": true, "min_wait_s": 60.0, "max_wait_s": 120.0', "")
    assert RampState.from_json(older).plan.auto_hold is False
    with pytest.raises(CapacityContractError, match="plan.auto_hold is 1, not a bool"):
        RampState.from_json(state.to_json().replace('"auto_hold": true', '"auto_hold": 1'))


class OnboardingMaster:
    """A master running the real ramp timeline on a fixed clock: the step's users spawn in 20 s, then its
    agents onboard at `per_s` a second up to `ceiling` (the mediator's pace), and a ping is counted every
    0.1 s. The driver polls once a second."""

    def __init__(self, plan, per_s, ceiling, per_user=1.0, reconnected=False):
        """`reconnected`: the agents come back from a saved population, running without an onboarding."""
        self.now = 0.0
        self.ramp = StepRamp(plan, lambda: self.now)
        self.per_s, self.ceiling, self.per_user, self.reconnected = per_s, ceiling, per_user, reconnected
        self.base_url = "http://127.0.0.1:8089"
        self._run = running_run()
        self.ramp.tick()

    def sleep(self, seconds):
        self.now += seconds

    def onboarded(self):
        return min(self.ceiling, int(max(0.0, self.now - 20.0) * self.per_s))

    def capacity(self):
        step = self.ramp.state().step
        if step is not None and step.spawning_ended_at is None and self.now >= step.started_at + 20.0:
            self.ramp.spawning_complete()
        return self.ramp.state().to_json()

    def capacity_command(self, command_json):
        self.ramp.command(RampCommand.from_json(command_json))
        return self.capacity()

    def snapshot(self):
        users = self.ramp.state().step.users
        status = dataclasses.replace(self._run.status, users=users, state="running")
        agents = dataclasses.replace(self._run.agents, known=True, running=self.onboarded(), per_user=self.per_user)
        waiting = round(users * self.per_user) - self.onboarded()
        onboarded = 0 if self.reconnected else self.onboarded()
        onboarding = OnboardingSnapshot(known=True, onboarded=onboarded, waiting=waiting)
        total = dataclasses.replace(self._run.total, count=int(self.now * 10), failures=0)
        return dataclasses.replace(
            self._run, taken_at=self.now, status=status, agents=agents, onboarding=onboarding, total=total, requests=()
        )


def measure_one_step(master):
    steps = []
    driver = CapacityDriver(
        master, master.snapshot, parse_levels(["fail_ratio>1%"]), on_step=steps.append, sleep=master.sleep
    )
    driver.run()
    (judgement,) = steps
    return judgement.figures


@pytest.mark.parametrize(("per_user", "reconnected"), [(1.0, False), (2.0, False), (1.0, True)])
def test_a_computed_window_opens_once_every_agent_onboarded_and_lasts_the_computed_hold(per_user, reconnected):
    agents = round(1000 * per_user)  # they take 200 s to onboard (or reconnect) after the spawning
    master = OnboardingMaster(idle_plan(), agents / 200, agents, per_user=per_user, reconnected=reconnected)
    figures = measure_one_step(master)
    assert figures.window_start == pytest.approx(220.0, abs=1.0)
    assert figures.window_end - figures.window_start == pytest.approx(120.0, abs=2.0)
    assert figures.agents_running == agents and figures.onboarding_backlog == 0
    if not reconnected:  # counted from the step's start
        assert figures.onboarding_per_s == pytest.approx(agents / figures.window_end, rel=0.01)


def test_a_computed_window_opens_without_the_agents_once_onboarding_stalled_and_the_backlog_is_judged():
    master = OnboardingMaster(idle_plan(), per_s=5.0, ceiling=600)  # the last 400 never onboard
    figures = measure_one_step(master)
    stalled_at = 20.0 + 600 / 5.0  # the 600th agent onboarded at 140 s
    assert figures.window_start == pytest.approx(stalled_at + ONBOARDING_STALL_S, abs=2.0)
    assert figures.window_end - figures.window_start == pytest.approx(120.0, abs=2.0)
    assert (figures.agents_running, figures.onboarding_backlog, figures.onboarding_backlog_ratio) == (600, 400, 0.4)
