"""`--fail-on` expressions decide the exit status of a headless run."""

import dataclasses

import pytest

from mediator_tui.core.metrics.snapshot import JudgedFigures
from mediator_tui.core.thresholds import ThresholdError, check_all, parse_threshold, parse_thresholds
from tests.recording.replay import running_run


def results(*texts, snapshot=None):
    return {r.expr: (r.value, r.ok) for r in check_all(parse_thresholds(list(texts)), snapshot or running_run())}


def test_expressions_on_the_aggregate_endpoints_and_the_run():
    # The recorded run 36 s in: 320 requests, 2 failures (0.62 %), p95 310 ms aggregated, 100 ms for
    # ping_mediator, 2 crashes, 9.2 requests per second on average.
    assert results(
        "fail_ratio>0.02",
        "fail_ratio > 0.5%",
        "p95(ping_mediator)>500",
        "p95>100",
        "crashes>0",
        "rps<5",
        "p95(didcomm ping_mediator)<=120",
    ) == {
        "fail_ratio>0.02": (pytest.approx(2 / 320), True),
        "fail_ratio > 0.5%": (pytest.approx(2 / 320), False),
        "p95(ping_mediator)>500": (100.0, True),
        "p95>100": (310.0, False),
        "crashes>0": (2, False),
        "rps<5": (pytest.approx(9.195, abs=0.001), True),
        "p95(didcomm ping_mediator)<=120": (100.0, False),
    }


def test_an_unknown_value_fails_the_threshold_because_nothing_shows_the_run_is_good():
    snapshot = dataclasses.replace(running_run(), judged=JudgedFigures())
    assert results("crashes>0", "p95(no_such_endpoint)>500", snapshot=snapshot) == {
        "crashes>0": (None, False),
        "p95(no_such_endpoint)>500": (None, False),
    }


@pytest.mark.parametrize(
    "text",
    [
        "",
        "fail_ratio",
        "fail_ratio>>1",
        "p95(ping>500",
        "__import__('os')>1",
        "crashes(x)>0",
        "latency>5",
        "p95>abc",
        "p95>1;rm -rf /",
    ],
)
def test_bad_expressions_are_refused_with_the_accepted_forms(text):
    with pytest.raises(ThresholdError) as error:
        parse_threshold(text)
    assert "p95(ping_mediator)>500" in str(error.value) or "run metric" in str(error.value)


def test_reconnects_judge_the_runs_count_and_are_unknown_without_agent_metrics():
    run = running_run()
    agents = dataclasses.replace(run.agents, known=True, reconnects=12)
    assert results("reconnects>10", "reconnects>20", snapshot=dataclasses.replace(run, agents=agents)) == {
        "reconnects>10": (12, False),
        "reconnects>20": (12, True),
    }
    unknown = dataclasses.replace(run, agents=dataclasses.replace(agents, known=False))
    assert results("reconnects>10", snapshot=unknown) == {"reconnects>10": (None, False)}
