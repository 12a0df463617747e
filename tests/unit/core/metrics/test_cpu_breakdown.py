"""What the mediator's CPU is spent on: known costs recovered from a run's readings, and what a run cannot tell."""

import dataclasses
import math
import random
import re

import pytest

from mediator_tui.core.metrics.cpu_breakdown import MIN_SAMPLES, CpuSample, cpu_samples, estimate
from mediator_tui.core.metrics.least_squares import fit, invert
from tests.support.cpu_load import T0, Costs, Tick, connections_at, loaded_run, ramp_load


def breakdown_of(snapshot):
    return estimate(cpu_samples(snapshot))


def test_known_costs_are_recovered_from_a_noisy_run():
    costs = Costs(per_connection_ms_per_s=0.05, per_ping_ms=0.9, per_onboarding_ms=35.0, base_ms_per_s=20.0)
    breakdown = breakdown_of(loaded_run(costs, noise_ms_per_s=5.0))
    found = {
        breakdown.per_connection_ms_per_s: costs.per_connection_ms_per_s,
        breakdown.per_ping_ms: costs.per_ping_ms,
        breakdown.per_onboarding_ms: costs.per_onboarding_ms,
        breakdown.base_ms_per_s: costs.base_ms_per_s,
    }
    for estimated, truth in found.items():
        assert estimated.why_not == "" and estimated.note == ""
        assert estimated.value == pytest.approx(truth, rel=0.15)
        assert abs(estimated.value - truth) < 4 * estimated.stderr  # the error it reports covers the real one
    assert breakdown.samples == 600 and breakdown.seconds == 600
    said = breakdown.said()
    assert "ms/s per idle connection" in said and "ms per ping" in said and "ms per onboarding" in said
    assert said.endswith("(from 600 s of probe readings)")


def test_other_costs_give_other_estimates():
    # The same load, a mediator whose connections cost four times as much and whose pings nothing.
    breakdown = breakdown_of(loaded_run(Costs(per_connection_ms_per_s=0.2, per_ping_ms=0.0), noise_ms_per_s=2.0))
    assert breakdown.per_connection_ms_per_s.value == pytest.approx(0.2, rel=0.05)
    assert abs(breakdown.per_ping_ms.value) < 3 * breakdown.per_ping_ms.stderr
    assert breakdown.per_ping_ms.note.startswith("within the noise")


def held(i):
    """Every wallet connected from the start: the connections held never change."""
    tick = ramp_load(i)
    return dataclasses.replace(tick, connections=1500.0, pings_per_s=1500.0 / 90 * (3.0 if 330 <= i < 390 else 1.0))


def test_connections_that_never_varied_are_not_determinable_and_their_cost_is_in_the_base():
    breakdown = breakdown_of(loaded_run(load=held))
    per_connection = breakdown.per_connection_ms_per_s
    assert per_connection.value is None
    assert per_connection.why_not == "connections held did not vary: 1500 to 1500 connections, needs a spread of 10"
    assert breakdown.per_onboarding_ms.value == pytest.approx(35.0, rel=0.15)
    # 20 ms/s of base and 75 ms/s of holding 1,500 connections at 0.05 ms/s each.
    assert breakdown.base_ms_per_s.value == pytest.approx(95.0, rel=0.1)
    assert "includes connections held" in breakdown.base_ms_per_s.note
    assert "per idle connection not determinable (connections held did not vary" in breakdown.said()


def in_step(i):
    """Pings at fixed waits, never faster: the ping rate follows the connections held exactly."""
    return dataclasses.replace(ramp_load(i), pings_per_s=connections_at(i) / 90.0)


def test_pings_in_step_with_the_connections_cannot_be_told_apart_but_onboarding_can():
    breakdown = breakdown_of(loaded_run(load=in_step))
    assert breakdown.per_ping_ms.value is None
    assert breakdown.per_ping_ms.why_not.startswith(
        "the ping rate (ping_mediator) moved in step with connections held (r² 1.000)"
    )
    assert breakdown.per_onboarding_ms.value == pytest.approx(35.0, rel=0.15)
    # What is left stands for both: a connection and its pings, 0.05 + 0.9 / 90 ms/s.
    assert breakdown.per_connection_ms_per_s.value == pytest.approx(0.06, rel=0.15)
    assert breakdown.per_connection_ms_per_s.note == (
        "stands for the ping rate (ping_mediator) as well, which moved exactly with it"
    )


def test_pings_close_to_in_step_with_the_connections_are_not_told_apart_either():
    rng = random.Random(3)
    jittered = [connections_at(i) / 90.0 + rng.uniform(-0.5, 0.5) for i in range(600)]
    breakdown = breakdown_of(loaded_run(load=lambda i: dataclasses.replace(in_step(i), pings_per_s=jittered[i])))
    assert breakdown.per_ping_ms.value is breakdown.per_connection_ms_per_s.value is None
    assert re.fullmatch(
        r"the ping rate \(ping_mediator\) moved in step with connections held \(r² 0\.99\d\): "
        r"this run cannot tell their costs apart",
        breakdown.per_ping_ms.why_not,
    )
    assert breakdown.per_connection_ms_per_s.why_not.startswith("connections held moved in step with the ping rate")
    assert breakdown.per_onboarding_ms.value == pytest.approx(35.0, rel=0.15)


def test_a_run_without_pings_or_onboarding_says_so():
    quiet = breakdown_of(loaded_run(load=lambda i: Tick(T0 + i, connections_at(i), 0.0, 0.0)))
    assert quiet.per_ping_ms.why_not == "no ping (ping_mediator) in this run"
    assert quiet.per_onboarding_ms.why_not == "no onboarding in this run"
    assert quiet.per_connection_ms_per_s.value == pytest.approx(0.05, rel=0.15)
    assert quiet.base_ms_per_s.note == ""  # what was 0 throughout adds nothing to it


def test_a_negative_estimate_is_reported_as_such():
    # A mediator that spends less the more connections it holds (its garbage collection settling, say).
    breakdown = breakdown_of(loaded_run(Costs(per_connection_ms_per_s=-0.02), noise_ms_per_s=1.0))
    per_connection = breakdown.per_connection_ms_per_s
    assert per_connection.value == pytest.approx(-0.02, rel=0.15)
    assert per_connection.note.startswith("negative: the model misses")
    assert breakdown.said().startswith(f"{per_connection.value:.3f} ± ")


def good_samples():
    return [
        CpuSample(t.t, 20 + 0.05 * t.connections + 35 * t.onboardings_per_s, t.connections, t.pings_per_s, 0.0)
        for t in map(ramp_load, range(0, 300, 3))
    ]


@pytest.mark.parametrize(
    "garbage",
    [
        {"cpu_ms_per_s": None},
        {"cpu_ms_per_s": math.nan},
        {"cpu_ms_per_s": -5.0},
        {"connections": None},
        {"connections": -1.0},
        {"pings_per_s": math.inf},
        {"onboardings_per_s": None},
    ],
)
def test_garbage_readings_are_skipped(garbage):
    samples = good_samples()
    wrecked = [dataclasses.replace(s, **garbage) for s in samples[::2]]
    assert estimate(samples[1::2] + wrecked) == estimate(samples[1::2])


def test_too_few_readings_tell_nothing():
    breakdown = estimate(good_samples()[: MIN_SAMPLES - 1])
    assert breakdown.per_connection_ms_per_s.value is None and breakdown.base_ms_per_s.value is None
    assert (
        breakdown.said()
        == f"not split ({MIN_SAMPLES - 1} probe readings with the mediator's CPU and its load, needs {MIN_SAMPLES})"
    )


def test_ticks_the_mediator_did_not_answer_are_left_out():
    snapshot = loaded_run()
    history = tuple(
        dataclasses.replace(p, state="saturated", cpu_percent=100.0) if i % 4 == 0 else p
        for i, p in enumerate(snapshot.mediator.history)
    )
    samples = cpu_samples(
        dataclasses.replace(snapshot, mediator=dataclasses.replace(snapshot.mediator, history=history))
    )
    assert len(samples) == 450 and all(s.cpu_ms_per_s != 1000.0 for s in samples)


def test_a_tick_without_a_ping_rate_near_it_is_skipped_and_before_the_first_ping_the_rate_is_0():
    snapshot = loaded_run(seconds=100)
    series = next(s for s in snapshot.history if s.name == "ping_mediator")
    kept = tuple(p for p in series.points if not (20 <= p.t - T0 < 40) and p.t - T0 >= 10)
    history = tuple(dataclasses.replace(s, points=kept) if s is series else s for s in snapshot.history)
    samples = cpu_samples(dataclasses.replace(snapshot, history=history))
    rates = {round(s.t - T0): s.pings_per_s for s in samples}
    assert rates[5] == 0.0 and rates[30] is None and rates[60] == pytest.approx(ramp_load(60).pings_per_s)


def test_least_squares_solves_an_exact_system_and_refuses_a_singular_one():
    xs = [[x, x * x % 7] for x in range(12)]
    fitted = fit(xs, [3 + 2 * a - 0.5 * b for a, b in xs])
    assert fitted.intercept == pytest.approx(3) and fitted.slopes == pytest.approx((2, -0.5))
    assert fitted.slopes_se == pytest.approx((0, 0), abs=1e-9)
    assert fit([[x, 2 * x] for x in range(12)], list(range(12))) is None
    assert invert([[2.0, 0.0], [0.0, 4.0]]) == [[0.5, 0.0], [0.0, 0.25]]
