"""The capacity driver's step window on a fake master and a fixed clock: when the workers' reports come late."""

import dataclasses

import pytest

from mediator_tui.contracts.capacity import RampPlan, RampState, RampStep
from mediator_tui.core.capacity.driver import REPORT_GRACE_S, CapacityDriver
from mediator_tui.core.capacity.levels import parse_levels
from tests.recording.replay import running_run

# One step of 2 users: spawned by t=0.1, measured from 1.1 to 4.1 (Locust's clock is this fake's).
PLAN = RampPlan(start=2, step=2, max_users=2, hold_s=4.0, settle_s=1.0, spawn_rate=20.0)
STEP = RampStep(index=0, users=2, started_at=0.0, spawning_ended_at=0.1, steady_from=1.1, ends_at=4.1)


class LateReports:
    """A master whose workers' first report of the step reaches it `report_at` seconds in (never if None):
    until then the store counts no request, after it 60 of which 6 failed. Only the total is counted, so
    the default latency level (on ping_mediator) has no figure and is left out."""

    def __init__(self, report_at):
        self.now = 0.0
        self.report_at = report_at
        self.base_url = "http://127.0.0.1:8089"
        self.stopped = False
        self._run = running_run()

    def sleep(self, seconds):
        self.now += seconds

    def capacity(self):
        phase = "stopped" if self.stopped else "paced"
        return RampState(plan=PLAN, phase=phase, step=STEP, served_at=self.now).to_json()

    def capacity_command(self, command_json):
        self.stopped = self.stopped or '"stop"' in command_json
        return self.capacity()

    def snapshot(self):
        reported = self.report_at is not None and self.now >= self.report_at
        count, failures = (60, 6) if reported else (0, 0)
        status = dataclasses.replace(self._run.status, users=2, state="running")
        agents = dataclasses.replace(self._run.agents, known=False)
        total = dataclasses.replace(self._run.total, count=count, failures=failures)
        return dataclasses.replace(self._run, taken_at=self.now, status=status, agents=agents, total=total, requests=())


def search(master):
    steps = []
    driver = CapacityDriver(
        master, master.snapshot, parse_levels(["fail_ratio>1%"]), on_step=steps.append, sleep=master.sleep
    )
    return driver.run(), steps


def test_a_window_no_report_reached_yet_is_held_open_until_one_does_and_judged_on_it():
    verdict, steps = search(LateReports(report_at=9.0))  # five seconds after the hold ended
    (step,) = steps
    assert step.figures.window_end == pytest.approx(9.0)
    assert (step.figures.total.requests, step.figures.total.failures) == (60, 6)
    assert [b.describe() for b in step.broken] == ["fail_ratio>1% (0.1)"]
    assert (verdict.users_held, verdict.users_broken, verdict.broke_first) == (None, 2, "failures")


def test_a_window_no_report_ever_reaches_is_judged_unknown_after_the_grace_and_the_ramp_stopped():
    master = LateReports(report_at=None)
    verdict, steps = search(master)
    (step,) = steps
    assert 4.1 + REPORT_GRACE_S <= step.figures.window_end <= 4.1 + REPORT_GRACE_S + 2.0
    assert step.figures.total.requests == 0
    assert [b.describe() for b in step.broken] == ["fail_ratio>1% (unknown)"]
    assert verdict.users_held is None and master.stopped
