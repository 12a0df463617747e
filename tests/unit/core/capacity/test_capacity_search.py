"""Capacity search on step figures: service levels, the ramp, bisection, the verdict, the harness check."""

import dataclasses

import pytest

from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.lines import step_line, verdict_lines
from mediator_tui.core.capacity.search import CapacitySearch
from mediator_tui.core.thresholds import ThresholdError
from tests.support.capacity_fakes import RAMP, run, saturating, step


def test_ramp_stops_at_the_first_broken_step_and_names_the_level():
    verdict = run(CapacitySearch(RAMP, parse_levels([])), saturating)
    assert [j.figures.users_target for j in verdict.steps] == [10, 20, 30, 40, 50]
    assert (verdict.users_held, verdict.users_broken, verdict.broke_first) == (40, 50, "latency")
    assert verdict.broken_levels == ("p95(ping_mediator)>1000 (1400)",)
    assert verdict.limited_by == "mediator"
    assert verdict.summary() == (
        "held 40 users, 40 agents; broke at 50 users, 50 agents on p95(ping_mediator)>1000 (1400)"
    )


def test_bisection_narrows_the_knee_to_the_resolution():
    verdict = run(CapacitySearch(RAMP, parse_levels([]), resolution=2), saturating)
    assert [j.figures.users_target for j in verdict.steps] == [10, 20, 30, 40, 50, 45, 42, 43]
    assert (verdict.users_held, verdict.users_broken) == (43, 45)
    assert not verdict.steps[5].met and verdict.steps[-1].met


def test_failures_onboarding_and_lost_messages_break_on_the_defaults():
    levels = parse_levels([])
    failing = CapacitySearch(RAMP, levels).record(step(30, fail=50))  # 50 of 1440 pings: 3.5 %
    assert [r.describe() for r in failing.broken] == ["fail_ratio>1% (0.03472)"]
    onboarding = CapacitySearch(RAMP, levels).record(step(30, onboarding=2 / 30))
    assert [r.level.category for r in onboarding.broken] == ["onboarding"]
    lost = CapacitySearch(RAMP, levels).record(step(30, lost=3))
    assert [r.level.category for r in lost.broken] == ["lost_messages"]
    twice = CapacitySearch(RAMP, levels).record(step(30, lost=0, duplicated=2))
    assert [r.describe() for r in twice.broken] == ["duplicated>0 (2)"]


def test_lost_is_not_judged_where_no_message_scenario_runs():
    judgement = CapacitySearch(RAMP, parse_levels([])).record(step(30, lost=None))
    assert judgement.met
    assert "lost>0" not in [r.level.text for r in judgement.results]


def test_a_level_the_user_writes_replaces_the_default_of_the_same_metric_and_extends_the_rest():
    levels = parse_levels(["p95(ping_mediator)>500", "p99>2000"])
    assert [level.text for level in levels] == [
        "fail_ratio>1%",
        "onboarding_fail_ratio>1%",
        "onboarding_backlog_ratio>1%",
        "lost>0",
        "duplicated>0",
        "p95(ping_mediator)>500",
        "p99>2000",
    ]
    judgement = CapacitySearch(RAMP, levels).record(step(30, p95=600.0))
    assert [r.level.text for r in judgement.broken] == ["p95(ping_mediator)>500"]
    assert parse_levels(["fail_ratio>5%"], with_defaults=False)[0].threshold.limit == pytest.approx(0.05)


def test_a_user_level_with_an_unknown_value_breaks_the_step():
    judgement = CapacitySearch(RAMP, parse_levels(["mediator_cpu>180"])).record(step(30))
    assert [r.describe() for r in judgement.broken] == ["mediator_cpu>180 (unknown)"]


def test_no_request_answered_in_the_window_breaks_the_step():
    figures = step(30, pings=0, p95=None)
    assert [r.describe() for r in CapacitySearch(RAMP, parse_levels([])).record(figures).broken] == [
        "p95(ping_mediator)>1000 (unknown)",
        "fail_ratio>1% (unknown)",
    ]


def test_an_unreadable_level_names_the_step_metrics():
    with pytest.raises(ThresholdError, match="service level.*onboarding_fail_ratio"):
        parse_levels(["crashes>0"])


def test_a_worker_near_one_core_makes_the_harness_the_limit_with_advice():
    def busy_workers(users):
        return step(users, p95=250.0 if users < 30 else 1300.0, worker_cpu=60.0 if users < 30 else 97.0)

    verdict = run(CapacitySearch(RAMP, parse_levels([])), busy_workers)
    assert (verdict.users_held, verdict.users_broken, verdict.limited_by) == (20, 30, "harness")
    assert verdict.harness_reasons == ("a worker used 97 % of a core",)
    assert "--master-host" in verdict.advice and "LOCUST_WORKERS" in verdict.advice
    assert "the harness, not the mediator" in verdict.summary()


def test_ports_running_out_make_the_harness_the_limit():
    verdict = run(
        CapacitySearch(RAMP, parse_levels([])),
        lambda users: step(users, fail=0 if users < 40 else 200, ports_refused=0 if users < 40 else 12),
    )
    assert (verdict.users_broken, verdict.broke_first, verdict.limited_by) == (40, "failures", "harness")
    assert verdict.harness_reasons == ("12 agents found no free port (START_PORT..END_PORT)",)


def test_a_worker_out_of_agent_slots_makes_the_harness_the_limit():
    def full_workers(users):
        figures = step(users, onboarding=0.0 if users < 30 else 0.2)
        return dataclasses.replace(figures, agent_slots_headroom=40 if users < 30 else 0)

    verdict = run(CapacitySearch(RAMP, parse_levels([])), full_workers)
    assert (verdict.users_broken, verdict.broke_first, verdict.limited_by) == (30, "onboarding", "harness")
    assert verdict.harness_reasons == ("a worker holds the most agents its open-file limit and port slice allow",)
    assert "add workers" in verdict.summary()


def test_the_first_step_breaking_is_told_apart():
    verdict = run(CapacitySearch(RAMP, parse_levels([]), resolution=2), lambda users: step(users, p95=3000.0))
    assert verdict.first_step_broke and verdict.users_held is None and verdict.users_broken == 10
    assert [j.figures.users_target for j in verdict.steps] == [10]


def test_nothing_breaking_up_to_the_maximum_has_no_knee():
    verdict = run(CapacitySearch(RAMP, parse_levels([])), lambda users: step(users))
    assert (verdict.users_held, verdict.users_broken, verdict.limited_by, verdict.at_broken) == (60, None, None, None)
    assert verdict.at_held.users_target == 60  # the mediator's state at the highest step, all held
    assert verdict.summary() == "no level broke up to 60 users, 60 agents"


def test_a_ramp_that_does_not_rise_is_refused():
    with pytest.raises(ValueError, match="must rise"):
        CapacitySearch((20, 10), parse_levels([]))


def throttled(users, share, measured=True):
    """A mediator under a CPU limit: its limit cuts short `share` % of its periods; past 45 users it is late."""
    figures = saturating(users)
    if not measured:
        return figures
    return dataclasses.replace(figures, mediator_throttled_percent=share, mediator_throttled_s=share / 10)


def test_a_mediator_throttled_where_it_broke_broke_on_throttling():
    verdict = run(CapacitySearch(RAMP, parse_levels([])), lambda users: throttled(users, users * 1.5))
    assert (verdict.users_broken, verdict.broke_first, verdict.broke_on) == (50, "latency", "throttling")
    assert verdict.summary().endswith(
        "; the mediator broke on throttling: its CPU limit cut short 75 % of its CFS periods (7.5 s held back) "
        "at 50 users, 50 agents"
    )
    assert "  broke on: throttling (its CPU limit cut short 75 % of its CFS periods" in "\n".join(
        verdict_lines(verdict)
    )
    assert "  mediator CPU" not in step_line(verdict.steps[-1]) and "  throttled 75 %" in step_line(verdict.steps[-1])


def test_little_throttling_or_none_measured_does_not_name_it():
    # A quarter of the periods is where it counts as high (Kubernetes' CPUThrottlingHigh).
    little = run(CapacitySearch(RAMP, parse_levels([])), lambda users: throttled(users, 24.0))
    unlimited = run(CapacitySearch(RAMP, parse_levels([])), saturating)
    assert little.broke_on is unlimited.broke_on is None
    assert "throttling" not in little.summary() + "\n".join(verdict_lines(little))


def test_a_broken_step_the_probe_could_not_read_is_told_by_the_last_step_held():
    verdict = run(CapacitySearch(RAMP, parse_levels([])), lambda users: throttled(users, 60.0, measured=users < 45))
    assert verdict.broke_on == "throttling" and verdict.throttled_at is verdict.at_held
    assert verdict.summary().endswith("cut short 60 % of its CFS periods (6.0 s held back) at 40 users, 40 agents")


def test_a_throttling_level_breaks_a_step_as_throttling():
    verdict = run(
        CapacitySearch(RAMP, parse_levels(["mediator_throttled>50"])), lambda users: throttled(users, users * 1.5)
    )
    assert (verdict.users_held, verdict.users_broken, verdict.broke_first) == (30, 40, "throttling")
    assert verdict.broken_levels == ("mediator_throttled>50 (60)",) and verdict.broke_on == "throttling"


def test_a_step_whose_agents_still_wait_to_onboard_at_its_end_broke_on_onboarding():
    levels = parse_levels([])
    assert CapacitySearch(RAMP, levels).record(step(30, backlog=0)).met
    judgement = CapacitySearch(RAMP, levels).record(step(30, backlog=12))
    assert [r.describe() for r in judgement.broken] == ["onboarding_backlog_ratio>1% (0.4)"]
    assert [r.level.category for r in judgement.broken] == ["onboarding"]
    verdict = run(CapacitySearch(RAMP, levels), lambda users: step(users, backlog=0 if users < 40 else users // 2))
    assert (verdict.users_broken, verdict.broke_first) == (40, "onboarding")
