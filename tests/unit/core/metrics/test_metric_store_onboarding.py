"""Onboarding's figures: agents onboarded per second, the backlog waiting for admission, and where they show
(progress line, summary.json, onboarding.csv)."""

import csv
import io
import json

import pytest

from mediator_tui.contracts.agents_view import AgentsTotal, AgentsView
from mediator_tui.contracts.worker_report import AgentCounts
from mediator_tui.core.export import write_export
from mediator_tui.core.headless import progress_line
from mediator_tui.core.metrics.store import MetricStore
from tests.support.master_payloads import Clock, stats_with


def agents(started, waiting=0, in_flight=0, cap=0, failures=0) -> dict:
    counts = AgentCounts(
        running=started,
        started=started,
        start_failures=failures,
        onboarding_waiting=waiting,
        onboarding_in_flight=in_flight,
        onboarding_cap=cap,
    )
    return AgentsView(ts=0, total=AgentsTotal(agents=counts)).to_json()


def fed(*bodies, step_s=1.0) -> MetricStore:
    clock = Clock()
    store = MetricStore("local", "", clock=clock, rate_window_s=3.0)
    for body in bodies:
        clock.t += step_s
        store.feed(stats_with(10), body, t=clock.t)
    return store


def test_onboarded_per_second_over_the_rate_window_and_the_backlog_now():
    store = fed(
        agents(0, waiting=90, in_flight=8, cap=8),
        agents(10, waiting=80, in_flight=8, cap=9),
        agents(20, waiting=70, in_flight=8, cap=9),
        agents(40, waiting=50, in_flight=10, cap=10),
        agents(70, waiting=20, in_flight=10, cap=10),
    )
    onboarding = store.snapshot().onboarding
    assert onboarding.known
    assert onboarding.per_s == pytest.approx((70 - 10) / 3)  # the last 3 s, not the run's mean
    assert (onboarding.waiting, onboarding.in_flight, onboarding.backlog, onboarding.cap) == (20, 10, 30, 10)
    assert (onboarding.onboarded, onboarding.peak_backlog) == (70, 98)
    assert onboarding.peak_per_s == pytest.approx(60 / 3)
    assert [p.onboarded for p in onboarding.points] == [0, 10, 20, 40, 70]


def test_without_agent_metrics_onboarding_is_unknown_and_the_progress_line_leaves_it_out():
    store = fed(None, None)
    snapshot = store.snapshot()
    assert not snapshot.onboarding.known
    assert "onboarding" not in progress_line(snapshot)


def test_progress_line_summary_and_csv_show_the_pace(tmp_path):
    store = fed(agents(0, waiting=40, in_flight=4, cap=4), agents(12, waiting=30, in_flight=6, cap=6), step_s=2.0)
    snapshot = store.snapshot()
    assert "onboarding 6.0/s p95 – backlog 36 (6 in flight, cap 6)" in progress_line(snapshot)
    write_export(tmp_path, snapshot)
    section = json.loads((tmp_path / "summary.json").read_text())["onboarding"]
    assert section == {
        "known": True,
        "onboarded": 12,
        "failures": 0,
        "peak_per_s": 6.0,
        "p95_ms": None,  # no agent_start row in these stats
        "peak_backlog": 44,
        "backlog_at_end": 36,
    }
    rows = list(csv.DictReader(io.StringIO((tmp_path / "onboarding.csv").read_text())))
    assert [(r["onboarded"], r["onboarded_per_s"], r["backlog"], r["cap"]) for r in rows] == [
        ("0", "", "44", "4"),
        ("12", "6", "36", "6"),
    ]
