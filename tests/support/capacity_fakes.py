"""Stand-ins for a capacity search: step figures of a mediator that saturates, the search fed as the driver
feeds it, and a fake run and driver for the command and the capacity view."""

from pathlib import Path

from mediator_tui.contracts.capacity import RampPlan
from mediator_tui.core.capacity.driver import CapacitySearchError
from mediator_tui.core.capacity.figures import EndpointFigures, StepFigures
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.search import CapacitySearch
from mediator_tui.core.export import write_export
from mediator_tui.core.sources.master_api import MasterError
from tests.support.fake_run import FakeRun

RAMP = (10, 20, 30, 40, 50, 60)


def step(
    users,
    p95=180.0,
    fail=0,
    pings=None,
    onboarding=0.0,
    worker_cpu=45.0,
    lost=None,
    index=0,
    ports_refused=0,
    port_headroom=900,
    duplicated=None,
    agents_per_user=1,
    backlog=None,
):
    """A step of the ping scenario: about 1.2 pings per user per second over a 40 s window."""
    pings = int(users * 1.2 * 40) if pings is None else pings
    p50, p99 = (None, None) if p95 is None else (p95 / 3, p95 * 1.5)
    ping = EndpointFigures("ping_mediator", requests=pings, failures=fail, p50_ms=p50, p95_ms=p95, p99_ms=p99)
    start = EndpointFigures("agent_start", requests=0, failures=0)
    return StepFigures(
        index=index,
        users_target=users,
        users_running=users,
        window_start=1000.0,
        window_end=1040.0,
        total=EndpointFigures("Aggregated", requests=pings, failures=fail, p50_ms=p50, p95_ms=p95, p99_ms=p99),
        endpoints=(start, ping),
        onboarding_fail_ratio=onboarding,
        onboarding_backlog=backlog,
        lost_messages=lost,
        duplicated_messages=duplicated,
        worker_cpu_max_percent=worker_cpu,
        ports_refused=ports_refused,
        port_headroom=port_headroom,
        agents_target=users * agents_per_user,
        agents_running=users * agents_per_user,
    )


def run(search, figures_by_users):
    """Feed the search the figures of whatever step it asks for, as the driver would."""
    users = RAMP[0]
    while users is not None:
        search.record(figures_by_users(users))
        users = search.next_users()
    return search.verdict()


def saturating(users):
    """A mediator good for ~80 pings/s: latency climbs past 1 s from 45 users on."""
    return step(users, p95=250.0 if users < 45 else 1400.0)


PLAN = RampPlan(start=10, step=10, max_users=60, hold_s=20.0, settle_s=5.0, spawn_rate=10.0)


def idle_plan(start=1000, step=1000, max_users=1000, min_wait_s=60.0, max_wait_s=120.0):
    """A search in the idle regime: a computed hold (CAPACITY_HOLD=auto), 10 s settle, at the seed's waits."""
    return RampPlan(
        start=start,
        step=step,
        max_users=max_users,
        hold_s=0.0,
        settle_s=10.0,
        spawn_rate=50.0,
        auto_hold=True,
        min_wait_s=min_wait_s,
        max_wait_s=max_wait_s,
    )


LEVELS = parse_levels([])


class FakeCapacityRun(FakeRun):
    """The headless tests' stand-in for a run controller, with what a capacity search calls as well."""

    def __init__(self, mode="local", stop_fails=False):
        super().__init__()
        self.mode = mode
        self.stop_fails = stop_fails

    def prepare(self):
        self.calls.append("prepare")

    def stop(self):
        super().stop()
        if self.stop_fails:
            raise MasterError("cannot reach the master at http://10.0.0.9:8089: connection refused")

    def export_now(self, directory, partial=False, capacity=None):
        self.calls.append(("export", partial))
        write_export(directory, self.snapshot(), partial=partial, capacity=capacity)
        return Path(directory)


class FakeDriver:
    """Runs the real search on given figures, as the driver would on the master's steps."""

    def __init__(self, on_step, p95_by_users, fail_after_steps=None, figures=None):
        self.on_step = on_step
        self.p95_by_users = p95_by_users
        self.fail_after_steps = fail_after_steps
        # figures(users, index): the step's figures, if not those of `step()` with the p95 given; each
        # user holds two agents (as in the deliver scenario), so a line that counts one as the other shows
        self.figures = figures or (
            lambda users, index: step(users, p95=self.p95_by_users(users), index=index, agents_per_user=2)
        )

    def plan(self):
        return PLAN

    def run(self):
        search = CapacitySearch(PLAN.targets(), LEVELS)
        users = PLAN.start
        while users is not None:
            if self.fail_after_steps is not None and len(search.steps) == self.fail_after_steps:
                raise CapacitySearchError(
                    "waited 60 s for step 3 (30 users) to finish spawning; are the workers alive?"
                )
            self.on_step(search.record(self.figures(users, len(search.steps))))
            users = search.next_users()
        return search.verdict()
