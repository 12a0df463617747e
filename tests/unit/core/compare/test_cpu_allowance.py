"""The mediator's CPU per request against the cores it may use: a CPU limit leaves the milliseconds of CPU a
request costs as they were, but a request then takes a larger share of what the mediator may spend."""

from __future__ import annotations

import dataclasses
import random

import pytest

from mediator_tui.core.compare.gates import judge, parse_gate
from mediator_tui.core.compare.verdicts import BETTER, NOT_COMPARABLE, SAME, WORSE, Comparison, FigureResult, compare
from tests.support.compare_runs import drawn_run

CPU, ALLOWANCE = "mediator_cpu_per_request", "mediator_cpu_allowance_per_request"


def figure(comparison: Comparison, metric: str) -> FigureResult:
    return next(f for f in comparison.run_figures if f.metric == metric)


@pytest.fixture(scope="module")
def runs():
    """The same CPU per request drawn twice: the base's mediator free on the host's 2 cores, the candidate's
    held to 0.2 core."""
    rng = random.Random(21)
    return (
        drawn_run(rng, folder="free", cpu_cores_allowed=2.0),
        drawn_run(rng, folder="limited", cpu_cores_allowed=0.2),
    )


@pytest.fixture(scope="module")
def limited(runs):
    return compare([runs[0]], [runs[1]], replicates=300)


def test_the_same_cpu_per_request_under_a_fifth_of_a_core_is_the_same_in_ms_and_worse_as_a_share(limited):
    cpu, allowance = figure(limited, CPU), figure(limited, ALLOWANCE)
    assert cpu.verdict == SAME and allowance.verdict == WORSE
    # A tenth of the cores: ten times the share of them, whatever the CPU per request came out at.
    assert allowance.change.candidate / allowance.change.base == pytest.approx(
        10 * cpu.change.candidate / cpu.change.base
    )
    assert allowance.unit == "‰" and allowance.change.base == pytest.approx(cpu.change.base / 2)


def test_lifting_the_limit_is_better_and_a_gate_on_the_share_fails_where_one_on_the_ms_holds(runs, limited):
    assert figure(compare([runs[1]], [runs[0]], replicates=300), ALLOWANCE).verdict == BETTER
    share = judge(parse_gate(f"{ALLOWANCE}>+100%"), limited)
    assert share.failed and share.low > 1.0
    assert not judge(parse_gate(f"{CPU}>+10%"), limited).failed


def test_an_export_of_an_older_release_compares_with_the_share_not_available_and_its_gate_failing(runs):
    old = dataclasses.replace(runs[0], folder="old", cpu_cores_allowed=None, cores_recorded=False)
    result = compare([old], [runs[1]], replicates=50)
    assert figure(result, CPU).verdict == SAME  # the milliseconds need no cores: still compared
    allowance = figure(result, ALLOWANCE)
    assert allowance.verdict == NOT_COMPARABLE and allowance.change is None
    assert allowance.why == "not available in old: its export (an older release) records no cores the mediator may use"
    gate = judge(parse_gate(f"{ALLOWANCE}>+5%"), result)
    assert gate.failed and "older release" in gate.why
    # Both sides old: the row is still there, saying why, rather than left out.
    both = compare([old], [dataclasses.replace(old, folder="old too")], replicates=50)
    assert figure(both, ALLOWANCE).why.count("older release") == 2


def test_cores_unknown_to_the_export_and_no_cpu_readings_are_told_apart(runs):
    remote = dataclasses.replace(runs[1], folder="remote", cpu_cores_allowed=None)
    assert "no mediator process" in figure(compare([runs[0]], [remote], replicates=50), ALLOWANCE).why
    # No CPU readings at all: the share is missing for the same reason as the milliseconds.
    blind = dataclasses.replace(runs[1], mediator=())
    result = compare([runs[0]], [blind], replicates=50)
    assert figure(result, ALLOWANCE).why == figure(result, CPU).why == "not measured in the candidate"
