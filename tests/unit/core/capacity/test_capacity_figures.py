"""A step's figures from the metric store's snapshots, and the ramp's timeline and contract."""

import dataclasses

import pytest

from mediator_tui.contracts.capacity import CapacityContractError, RampCommand, RampPlan, RampState
from mediator_tui.core.capacity.figures import step_figures_from
from mediator_tui.core.metrics.mediator_snapshot import MediatorPoint, MediatorSnapshot
from mediator_tui.core.metrics.snapshot import (
    DeliverySnapshot,
    WorkerHarness,
    WorkerInfo,
)
from mediator_tui.core.metrics.throttling import Throttled
from mediator_tui.locust_support.ramp_timeline import RampNotRunning, StepRamp
from tests.recording.replay import replay, running_run


def earlier(snapshot, seconds, ping_count, ping_failures, started, start_failures, refused=0):
    """The same run `seconds` before, with fewer requests and agents counted."""
    requests = tuple(
        dataclasses.replace(r, count=ping_count, failures=ping_failures) if r.name == "ping_mediator" else r
        for r in snapshot.requests
    )
    return dataclasses.replace(
        snapshot,
        taken_at=snapshot.taken_at - seconds,
        requests=requests,
        total=dataclasses.replace(snapshot.total, count=ping_count + 60, failures=ping_failures),
        agents=dataclasses.replace(snapshot.agents, started=started, start_failures=start_failures),
        ports=dataclasses.replace(snapshot.ports, refused=refused),
    )


def test_counts_are_the_window_s_difference_and_latency_the_window_s_median():
    # The recorded run (9 credo agents, delivering ones frozen and killed: 2 failures, 1 message lost) between
    # 16 s and 36 s after its start.
    start, end = replay(until_s=16.0)[0].snapshot(), running_run()
    figures = step_figures_from(start, end, index=3, users_target=6, step_began=start)
    ping = figures.endpoint("ping_mediator")
    before = next(r for r in start.requests if r.name == "ping_mediator")
    after = next(r for r in end.requests if r.name == "ping_mediator")
    assert ping.requests == after.count - before.count > 40
    assert ping.failures == after.failures - before.failures
    points = [
        p
        for p in next(h for h in end.history if h.name == "ping_mediator").points
        if start.taken_at < p.t <= end.taken_at
    ]
    assert min(p.rps for p in points) <= ping.rps <= max(p.rps for p in points)  # the store's per-second rate
    assert min(p.p95_ms for p in points) <= ping.p95_ms <= max(p.p95_ms for p in points)
    # Six Locust users hold nine agents (three ping with one, three deliver with two): both are counted.
    assert (figures.users_target, figures.users_running) == (6, end.status.users) and end.status.users == 6
    assert figures.agents_target == 9 and figures.agents_running == end.agents.running == 9
    assert figures.onboarding_fail_ratio == 0.0
    # The probe's readings and the delivery ledger inside the window.
    probed = [p for p in end.mediator.history if start.taken_at < p.t <= end.taken_at]
    assert figures.mediator_cpu_percent == pytest.approx(sum(p.cpu_percent for p in probed) / len(probed))
    assert figures.mediator_rss_bytes == probed[-1].rss_bytes > 0
    assert figures.lost_messages == end.delivery.lost - start.delivery.lost == 1
    assert end.delivery.delivered - start.delivery.delivered > 40


def test_without_agent_metrics_onboarding_comes_from_the_agent_start_row():
    end = running_run()
    end = dataclasses.replace(
        end,
        requests=tuple(
            dataclasses.replace(r, count=30, failures=3) if r.name == "agent_start" else r for r in end.requests
        ),
        agents=dataclasses.replace(end.agents, known=False),
    )
    start = dataclasses.replace(
        earlier(end, 40, 3940, 2, 0, 0),
        requests=tuple(
            dataclasses.replace(r, count=20, failures=1) if r.name == "agent_start" else r
            for r in earlier(end, 40, 3940, 2, 0, 0).requests
        ),
    )
    figures = step_figures_from(start, end, index=0, users_target=60)
    assert figures.onboarding_fail_ratio == pytest.approx(2 / 10)
    assert figures.users_running == end.status.users
    assert (figures.agents_target, figures.agents_running) == (None, None)  # not reported, not guessed


def test_a_busy_worker_and_refused_ports_are_reported():
    end = running_run()
    end = dataclasses.replace(
        end,
        status=dataclasses.replace(end.status, workers=(WorkerInfo("host_1", "running", 60, cpu_percent=98.5),)),
        ports=dataclasses.replace(end.ports, known=True, size=1000, refused=7, in_use_max=1000),
    )
    figures = step_figures_from(earlier(end, 40, 3940, 2, 61, 0, refused=2), end, index=0, users_target=60)
    assert figures.worker_cpu_max_percent == 98.5
    assert (figures.ports_refused, figures.port_headroom) == (5, 0)


def test_the_workers_cpu_is_their_counters_over_the_window_not_locust_s_sample():
    end = running_run()
    end = dataclasses.replace(
        end,
        status=dataclasses.replace(
            end.status,
            workers=(WorkerInfo("a", "running", 3, cpu_percent=4.0), WorkerInfo("b", "running", 3, cpu_percent=5.0)),
        ),
        workers_harness=(WorkerHarness("a", 500.0, 90.0, 3, 500), WorkerHarness("b", 501.0, 60.0, 3, 3)),
    )
    start = dataclasses.replace(
        earlier(end, 40, 3940, 2, 0, 0),
        workers_harness=(WorkerHarness("a", 480.0, 72.0, 3, 500), WorkerHarness("b", 481.0, 55.0, 3, 3)),
    )
    figures = step_figures_from(start, end, index=0, users_target=6)
    assert figures.worker_cpu_max_percent == pytest.approx(90.0)  # 18 CPU seconds in 20 s: a's, the busier
    assert figures.agent_slots_headroom == 0  # b holds as many agents as it can
    # Workers that send no counter (another release): Locust's own sample stands in.
    figures = step_figures_from(dataclasses.replace(start, workers_harness=()), end, index=0, users_target=6)
    assert figures.worker_cpu_max_percent == 5.0


def test_lost_and_duplicated_messages_are_the_ledger_s_counts_inside_the_window_and_lost_sessions_the_gap():
    end = running_run()
    t0 = end.taken_at - 40
    start = dataclasses.replace(
        earlier(end, 40, 3940, 2, 0, 0),
        delivery=DeliverySnapshot(known=True, sent=100, delivered=97, lost=2, duplicated=1),
    )
    end = dataclasses.replace(
        end,
        delivery=DeliverySnapshot(known=True, sent=180, delivered=170, lost=7, in_flight=3, duplicated=1),
        mediator=MediatorSnapshot(
            known=True,
            history=(
                MediatorPoint(t=t0 + 1, connections=58, agents_running=60, session_gap=-2),
                MediatorPoint(t=t0 + 39, connections=57, agents_running=60, session_gap=-3),
            ),
        ),
    )
    figures = step_figures_from(start, end, index=0, users_target=60)
    assert (figures.lost_messages, figures.duplicated_messages, figures.lost_sessions) == (5, 0, 3)
    silent = dataclasses.replace(end, delivery=DeliverySnapshot(known=True))  # a ping scenario: nothing sent
    assert step_figures_from(start, silent, index=0, users_target=60).lost_messages is None


def test_the_mediator_s_state_is_read_from_the_probe_s_points_inside_the_window():
    end = running_run()
    t0 = end.taken_at - 40

    def point(t, cpu, rss, connections, queued, throttled=None):
        return MediatorPoint(
            t=t, cpu_percent=cpu, rss_bytes=rss, connections=connections, queued_messages=queued, throttled=throttled
        )

    history = (
        point(t0 - 5, 300.0, 1, 1, 99.0, Throttled(10, 10, 0.9)),  # before the window: left out
        point(t0 + 1, 40.0, 100_000_000, 50, 2.0, Throttled(10, 2, 0.1, 0.2)),
        point(t0 + 20, None, 110_000_000, 58, 7.0),
        point(t0 + 39, 60.0, 120_000_000, 60, 3.0, Throttled(6, 6, 0.5, 0.2)),
    )
    end = dataclasses.replace(
        end, mediator=MediatorSnapshot(known=True, history=history, bytes_per_connection=150_000.0)
    )
    figures = step_figures_from(earlier(end, 40, 3940, 2, 0, 0), end, index=0, users_target=60)
    assert figures.mediator_cpu_percent == pytest.approx(50.0)  # the mean of the seconds that have it
    assert (figures.mediator_rss_bytes, figures.mediator_connections) == (120_000_000, 60)  # the last
    assert figures.mediator_queue == 7  # the highest
    assert figures.mediator_bytes_per_connection == 150_000.0
    assert figures.mediator_cpu_ms_per_request == pytest.approx(50.0 * 10 / figures.total.rps)
    # Throttling: the periods throttled over those run in the window, and the seconds held back.
    assert figures.mediator_throttled_percent == pytest.approx(50.0)
    assert figures.mediator_throttled_s == pytest.approx(0.6)


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


PLAN = RampPlan(start=10, step=10, max_users=25, hold_s=30.0, settle_s=5.0, spawn_rate=5.0)


def test_the_ramp_steps_after_each_hold_from_the_end_of_spawning_and_ends_past_the_maximum():
    clock = Clock()
    ramp = StepRamp(PLAN, clock)
    assert ramp.tick() == (10, 5.0)
    clock.t += 2.0
    ramp.spawning_complete()
    step = ramp.state().step
    assert (step.spawning_ended_at, step.steady_from, step.ends_at) == (1002.0, 1007.0, 1032.0)
    clock.t = 1031.0
    assert ramp.tick() == (10, 5.0)
    clock.t = 1032.0
    assert ramp.tick() == (20, 5.0) and ramp.state().step.index == 1
    ramp.spawning_complete()
    clock.t += 30.0
    assert ramp.tick() == (25, 5.0)  # the last step is the maximum
    ramp.spawning_complete()
    clock.t += 30.0
    assert ramp.tick() is None and ramp.state().phase == "done"
    ramp.load_stopped()
    assert ramp.tick() == (10, 5.0) and ramp.state().phase == "ramping"  # a new swarm starts again


def test_a_paced_ramp_holds_each_step_until_told_and_stops_on_request():
    clock = Clock()
    ramp = StepRamp(PLAN, clock)
    with pytest.raises(RampNotRunning, match="waiting"):
        ramp.command(RampCommand("pace"))
    ramp.tick()
    ramp.command(RampCommand("pace"))
    ramp.spawning_complete()
    clock.t += 100.0
    assert ramp.tick() == (10, 5.0) and ramp.state().phase == "paced"
    ramp.command(RampCommand("step", 15))
    assert ramp.tick() == (15, 5.0) and ramp.state().step.index == 1
    assert ramp.state().step.spawning_ended_at is None
    ramp.command(RampCommand("stop"))
    assert ramp.tick() is None and ramp.state().phase == "stopped"


def test_the_ramp_state_crosses_as_versioned_json():
    ramp = StepRamp(PLAN, Clock())
    ramp.tick()
    state = ramp.state()
    assert RampState.from_json(state.to_json()) == state
    assert RampCommand.from_json(RampCommand("step", 40).to_json()) == RampCommand("step", 40)
    with pytest.raises(CapacityContractError, match="version 2.*reads version 1"):
        RampState.from_json(state.to_json().replace('"version": 1', '"version": 2'))
    with pytest.raises(CapacityContractError, match="step.users is missing"):
        RampState.from_json(state.to_json().replace('"users": 10, ', ""))
    with pytest.raises(CapacityContractError, match="needs users"):
        RampCommand.from_json('{"version": 1, "command": "step", "users": "40"}')


def test_a_plan_that_cannot_ramp_names_every_problem():
    bad = RampPlan(start=0, step=10, max_users=5, hold_s=10.0, settle_s=10.0, spawn_rate=0.0)
    assert bad.problems() == [
        "CAPACITY_START must be at least 1 (is 0)",
        "CAPACITY_HOLD (10 s) must be longer than CAPACITY_SETTLE (10 s): "
        "the steady window is what is left of the hold",
        "LOCUST_SPAWN_RATE must be above 0 (is 0)",
    ]
    assert RampPlan(5, 10, 20, 60.0, 10.0, 1.0).targets() == (5, 15, 20)
