"""Comparison gates: read by the `--fail-on` parser, failed only beyond the noise."""

from __future__ import annotations

import random

import pytest

from mediator_tui.core.compare.gates import judge, parse_gate
from mediator_tui.core.compare.verdicts import compare
from mediator_tui.core.thresholds import ThresholdError
from tests.support.compare_runs import drawn_run


@pytest.fixture(scope="module")
def slower():
    rng = random.Random(11)
    return compare([drawn_run(rng)], [drawn_run(rng, latency_ms=150, cpu_ms_per_request=6)], replicates=300)


def test_gates_read_as_the_issue_writes_them():
    gate = parse_gate("p95(ping_mediator)>+10%")
    assert (gate.metric, gate.endpoint, gate.op, gate.limit, gate.percent) == ("p95", "ping_mediator", ">", 0.1, True)
    assert parse_gate("wallets_held<-10%").limit == -0.1
    assert parse_gate("mediator_cpu_per_request>+5%").endpoint is None
    assert parse_gate("p95 > 50").percent is False


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("p95(ping)==+10%", "which way a change fails"),
        ("latency>+10%", "unknown metric 'latency'"),
        ("wallets_held(ping)<-10%", "is a run metric and takes no endpoint"),
        ("p95>>10", "cannot read the threshold"),
    ],
)
def test_a_gate_that_cannot_be_read_is_refused_with_the_reason(text, says):
    with pytest.raises(ThresholdError, match=says):
        parse_gate(text)


def test_a_fifty_percent_slower_candidate_fails_a_ten_percent_gate_and_holds_a_hundred_percent_one(slower):
    failed = judge(parse_gate("p95(ping_mediator)>+10%"), slower)
    assert failed.failed and failed.low > 0.1
    assert not judge(parse_gate("p95(ping_mediator)>+100%"), slower).failed
    # By the endpoint's name as the stats show it, too; and on all requests without a name.
    assert judge(parse_gate("p95(DIDComm ping_mediator)>+10%"), slower).failed
    assert judge(parse_gate("p95>+10%"), slower).failed
    assert judge(parse_gate("mediator_cpu_per_request>+5%"), slower).failed


def test_a_falling_gate_reads_the_high_end_and_an_absolute_one_the_figures_unit(slower):
    assert not judge(parse_gate("p95(ping_mediator)<-10%"), slower).failed
    assert judge(parse_gate("p95(ping_mediator)>+20"), slower).failed  # 50 ms more, in ms
    assert not judge(parse_gate("p95(ping_mediator)>+500"), slower).failed


def test_a_gate_on_a_figure_not_measured_fails_and_says_why(slower):
    missing = judge(parse_gate("p95(no_such_endpoint)>+10%"), slower)
    assert missing.failed and missing.why == "no p95 of no_such_endpoint in these runs"
    unmeasured = judge(parse_gate("delivery_p95>+10%"), slower)
    assert unmeasured.failed and "no delivery_p95" in unmeasured.why
