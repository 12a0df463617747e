"""Verdicts and refusals: what is not comparable, and why, in words naming the setting."""

from __future__ import annotations

import dataclasses
import random

from mediator_tui.core.compare.bootstrap import Change
from mediator_tui.core.compare.figures import HIGHER_IS_BETTER, LOWER_IS_BETTER
from mediator_tui.core.compare.verdicts import BETTER, NOT_COMPARABLE, SAME, WORSE, compare, verdict
from tests.support.compare_runs import drawn_run


def test_runs_of_different_waits_or_scenarios_are_refused_naming_the_setting():
    rng = random.Random(1)
    base = drawn_run(rng, folder="a")
    waits = compare([base], [drawn_run(rng, folder="b", settings={"LOCUST_MAX_WAIT": 2.0})], replicates=50)
    assert not waits.comparable and waits.endpoints == ()
    assert waits.refused == ("different longest wait (LOCUST_MAX_WAIT): 0.5 in a, 2.0 in b",)
    scenario = compare([base], [drawn_run(rng, folder="c", settings={"LOCUST_FILES": ["locustIssue.py"]})])
    assert scenario.refused == ("different scenario (LOCUST_FILES): locustMediatorPing.py in a, locustIssue.py in c",)


def test_a_repeated_run_of_another_scenario_is_refused_too():
    rng = random.Random(2)
    odd = drawn_run(rng, folder="b2", settings={"LOCUST_MIN_WAIT": 5.0})
    result = compare([drawn_run(rng), odd], [drawn_run(rng)], replicates=50)
    assert "LOCUST_MIN_WAIT" in result.refused[0] and "b2" in result.refused[0]


def test_what_differs_besides_is_listed_and_does_not_refuse():
    rng = random.Random(3)
    result = compare([drawn_run(rng)], [drawn_run(rng, settings={"MEDIATOR_CPU_LIMIT": 0.2})], replicates=50)
    assert result.comparable
    assert ("MEDIATOR_CPU_LIMIT", "unset", "0.2") in result.differences


def test_an_endpoint_on_one_side_only_is_not_comparable_and_says_which_side():
    rng = random.Random(4)
    base = drawn_run(rng)
    candidate = dataclasses.replace(drawn_run(rng), endpoints=())
    result = compare([base], [candidate], replicates=50)
    ping = result.endpoints[0]
    assert {f.verdict for f in ping.figures} == {NOT_COMPARABLE}
    assert ping.figures[0].why == "no such endpoint in the candidate"


def test_capacity_figures_only_for_two_capacity_runs_and_within_a_step_they_are_the_same():
    rng = random.Random(5)

    def searched(users_held):
        return dataclasses.replace(
            drawn_run(rng),
            capacity={"users_held": users_held, "agents_held": users_held, "plan": {"step": 10}},
        )

    held = {f.metric: f for f in compare([searched(100)], [searched(90)], replicates=50).run_figures}
    assert held["users_held"].verdict == SAME  # one step apart: the search's resolution
    fewer = {f.metric: f for f in compare([searched(100)], [searched(70)], replicates=50).run_figures}
    assert fewer["users_held"].verdict == WORSE and fewer["wallets_held"].verdict == WORSE
    plain = {f.metric for f in compare([drawn_run(rng)], [drawn_run(rng)], replicates=50).run_figures}
    assert "users_held" not in plain
    mixed = {f.metric: f for f in compare([searched(100)], [drawn_run(rng)], replicates=50).run_figures}
    assert mixed["users_held"].verdict == NOT_COMPARABLE


def test_a_verdict_needs_the_interval_clear_of_zero_and_a_change_beyond_the_floor():
    def change(relative, low, high):
        return Change(100, 100 * (1 + relative), relative, low, high, 100 * relative, 100 * low, 100 * high)

    assert verdict(change(0.2, 0.1, 0.3), LOWER_IS_BETTER, 0.1) == WORSE
    assert verdict(change(0.2, 0.1, 0.3), HIGHER_IS_BETTER, 0.1) == BETTER
    assert verdict(change(-0.2, -0.3, -0.1), LOWER_IS_BETTER, 0.1) == BETTER
    assert verdict(change(0.2, -0.1, 0.5), LOWER_IS_BETTER, 0.1) == SAME  # the interval holds zero
    assert verdict(change(0.05, 0.02, 0.08), LOWER_IS_BETTER, 0.1) == SAME  # below the floor


def test_a_figure_without_per_second_readings_cannot_tell_its_noise_and_is_not_comparable():
    rng = random.Random(6)
    quiet = drawn_run(rng)
    quiet = dataclasses.replace(
        quiet, endpoints=tuple(dataclasses.replace(e, seconds=()) for e in quiet.endpoints), mediator=()
    )
    result = compare([drawn_run(rng)], [quiet], replicates=50)
    p95 = next(f for f in result.endpoints[0].figures if f.metric == "p95")
    assert p95.verdict == NOT_COMPARABLE
    assert p95.why == "no per-second readings in the candidate to tell a change from the noise"
    assert next(f for f in result.run_figures if f.metric == "mediator_cpu_per_request").why == (
        "not measured in the candidate"
    )
