"""The comparison's statistics on synthetic runs whose difference is known."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator_tui.core.compare.bootstrap import RunSample, compare_groups, expanded_tail, ratio, slope
from mediator_tui.core.compare.verdicts import SAME, WORSE, compare
from tests.support.compare_runs import drawn_run


def figure(comparison, metric, endpoint="ping_mediator"):
    rows = [e for e in comparison.endpoints if e.name == endpoint]
    figures = rows[0].figures if metric in ("p50", "p95", "p99", "rps", "fail_ratio") else comparison.run_figures
    return next(f for f in figures if f.metric == metric)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_a_twenty_percent_slower_mediator_is_found_worse_on_latency_and_cpu(seed):
    rng = random.Random(seed)
    base = drawn_run(rng, latency_ms=100, cpu_ms_per_request=5)
    candidate = drawn_run(rng, latency_ms=120, cpu_ms_per_request=6)
    result = compare([base], [candidate], seed=seed, replicates=400)
    for metric in ("p95", "mediator_cpu_per_request"):
        found = figure(result, metric)
        assert found.verdict == WORSE, (metric, found)
        assert found.change.relative_low > 0


def test_two_runs_of_one_distribution_are_the_same_within_noise_in_at_least_95_of_100_trials():
    rng = random.Random(2026)
    same = 0
    for trial in range(100):
        result = compare([drawn_run(rng)], [drawn_run(rng)], seed=trial, replicates=200)
        same += all(figure(result, m).verdict == SAME for m in ("p95", "mediator_cpu_per_request"))
    assert same >= 95


def test_without_a_noise_floor_the_interval_alone_holds_a_zero_change_in_most_trials():
    """The interval nearly holds on its own: with no floor, two runs of one distribution still come out the
    same in at least 85 % of trials (nominally 95 %: a block bootstrap of a short correlated series is a little
    narrow, which the noise floor absorbs; docs/compare.md)."""
    rng = random.Random(7)
    same = sum(
        figure(compare([drawn_run(rng)], [drawn_run(rng)], seed=t, noise_floor=0.0, replicates=200), "p95").verdict
        == SAME
        for t in range(60)
    )
    assert same >= 51


def test_the_same_seed_gives_the_same_interval_and_another_seed_another():
    base, candidate = drawn_run(random.Random(1)), drawn_run(random.Random(2))
    first = compare([base], [candidate], seed=5, replicates=300)
    assert figure(first, "p95").change == figure(compare([base], [candidate], seed=5, replicates=300), "p95").change
    other = figure(compare([base], [candidate], seed=6, replicates=300), "p95").change
    assert other.relative_low != figure(first, "p95").change.relative_low


def test_repeated_runs_put_the_spread_between_runs_into_the_interval():
    """Runs that each are steady but differ from one another: one run per side looks like a real change, the
    groups of three show it is the spread between runs."""
    rng = random.Random(3)
    runs = [drawn_run(rng, latency_ms=ms) for ms in (100, 130, 80, 110, 95, 125)]
    single = compare([runs[2]], [runs[1]], noise_floor=0.0, replicates=400)
    assert figure(single, "p95").verdict == WORSE
    grouped = compare(runs[:3], runs[3:], noise_floor=0.0, replicates=400)
    assert figure(grouped, "p95").verdict == SAME


def test_a_figure_known_exactly_has_no_spread_and_no_relative_change_from_zero():
    change = compare_groups([RunSample(0.0)], [RunSample(3.0)], ratio)
    assert change.relative is None
    assert (change.absolute, change.absolute_low, change.absolute_high) == (3.0, 3.0, 3.0)


def test_slope_and_ratio_read_their_summed_parts():
    points = [(x, 2.0 * x + 5.0) for x in range(10)]
    parts = [sum(p) for p in zip(*((1.0, x, y, x * x, x * y) for x, y in points), strict=True)]
    assert slope(tuple(parts)) == pytest.approx(2.0)
    assert ratio((6.0, 3.0)) == 2.0
    assert ratio((6.0, 0.0)) is None


def test_a_small_sample_widens_the_interval_and_a_large_one_hardly():
    assert expanded_tail(0.005, 5) < 0.005 / 5
    assert expanded_tail(0.005, 1000) == pytest.approx(0.005, rel=0.05)
    assert expanded_tail(0.005, None) == 0.005


def test_a_base_whose_resamples_may_come_out_zero_still_gets_a_relative_interval():
    """A run idle most of its seconds (slow onboarding): some resamples of its rate are 0."""
    mostly_idle = RunSample(1.0, ((0.0, 1.0),) * 36 + ((10.0, 1.0),) * 4)
    busy = RunSample(10.0, tuple((10.0 + (i % 3), 1.0) for i in range(40)))
    change = compare_groups([mostly_idle], [busy], ratio, replicates=400)
    assert change.relative == 9.0
    assert change.relative_low is not None and change.relative_low <= 9.0 <= change.relative_high
