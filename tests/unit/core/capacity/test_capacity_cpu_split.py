"""A capacity step's mediator CPU split into connections held, pings and onboarding, and the verdict naming it."""

import dataclasses
import re

import pytest

from mediator_tui.core.capacity.figures import step_figures_from
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.lines import verdict_lines
from mediator_tui.core.capacity.search import CapacitySearch
from tests.support.capacity_fakes import RAMP, run, saturating
from tests.support.cpu_load import T0, Costs, cpu_ms_per_s, loaded_run, ramp_load

COSTS = Costs(per_connection_ms_per_s=0.05, per_ping_ms=0.9, per_onboarding_ms=35.0, base_ms_per_s=20.0)


def held_step():
    """The step of 1,500 wallets held (300 to 450 s of the run), a minute of it pinging three times as fast."""
    end = loaded_run(COSTS, seconds=450)
    start = dataclasses.replace(end, taken_at=T0 + 300)
    return step_figures_from(start, end, index=4, users_target=1500)


def truth(seconds):
    """Each part's share of the mediator's mean CPU over those seconds of the run, as the costs make it."""
    ticks = [ramp_load(i) for i in seconds]
    cpu = sum(cpu_ms_per_s(t, COSTS) for t in ticks)
    return (
        100 * sum(COSTS.per_connection_ms_per_s * t.connections for t in ticks) / cpu,
        100 * sum(COSTS.per_ping_ms * t.pings_per_s for t in ticks) / cpu,
        100 * sum(COSTS.per_onboarding_ms * t.onboardings_per_s for t in ticks) / cpu,
    )


def test_a_step_s_cpu_is_split_by_the_costs_estimated_over_the_run_up_to_it():
    split = held_step().mediator_cpu_split
    assert split.connections == 1500 and split.onboardings_per_s == 0
    shares = split.shares()
    assert [what for what, _ in shares] == ["holding 1500 connections", "pings", "onboarding"]
    expected = truth(range(300, 450))
    assert [share for _, share in shares] == pytest.approx(expected, abs=3.0)  # percentage points
    # The estimates come from the whole run so far: the ramp before the step let connections vary.
    assert split.breakdown.samples == 450


def test_a_step_without_probe_readings_has_no_split():
    end = dataclasses.replace(loaded_run(COSTS, seconds=450), taken_at=T0 + 1000)
    start = dataclasses.replace(end, taken_at=T0 + 900)
    assert step_figures_from(start, end, index=0, users_target=10).mediator_cpu_split is None


def test_the_verdict_names_what_the_mediator_s_cpu_went_to_at_the_first_broken_step():
    split = held_step().mediator_cpu_split
    verdict = run(
        CapacitySearch(RAMP, parse_levels([])),
        lambda users: dataclasses.replace(saturating(users), mediator_cpu_split=split if users == 50 else None),
    )
    said = [line for line in verdict_lines(verdict) if "CPU at the first broken step" in line]
    assert len(said) == 1
    found = re.match(
        r"  the mediator's CPU at the first broken step \(50 users, 50 agents\) went to: holding 1500 connections "
        r"(\d+) %, pings (\d+) %, onboarding 0 %, the rest (\d+) %; estimated costs: (.*)$",
        said[0],
    )
    assert found, said[0]
    connections, pings, rest = (int(found[i]) for i in (1, 2, 3))
    assert connections + pings + rest == pytest.approx(100, abs=1)
    assert connections == pytest.approx(truth(range(300, 450))[0], abs=3)
    assert found[4] == split.breakdown.said()


def test_a_search_where_nothing_broke_names_it_at_the_highest_step():
    split = held_step().mediator_cpu_split
    verdict = run(
        CapacitySearch(RAMP, parse_levels([])),
        lambda users: dataclasses.replace(saturating(20), users_target=users, mediator_cpu_split=split),
    )
    assert verdict.at_broken is None
    assert any(line.startswith("  the mediator's CPU at the highest step (60 users") for line in verdict_lines(verdict))


def test_costs_that_overshoot_a_saturated_step_s_cpu_are_said_so():
    split = held_step().mediator_cpu_split
    overshooting = dataclasses.replace(split, cpu_ms_per_s=split.cpu_ms_per_s / 2)
    verdict = run(
        CapacitySearch(RAMP, parse_levels([])),
        lambda users: dataclasses.replace(saturating(users), mediator_cpu_split=overshooting),
    )
    line = next(line for line in verdict_lines(verdict) if "CPU at the first broken step" in line)
    assert "the rest" not in line and re.search(r"onboarding 0 %, together 1\d\d % of what it used; ", line)
