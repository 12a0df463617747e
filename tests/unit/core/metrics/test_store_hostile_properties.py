"""Whatever an attached master serves, poll after poll: the snapshot never raises, and summary.json stays
strict JSON (no NaN, no Infinity)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator_tui.core.export.tables import summary, summary_json
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.thresholds import check_all, parse_thresholds
from tests.unit.common.test_network_numbers_properties import JSON, STATS

THRESHOLDS = parse_thresholds(["p95 > 500", "fail_ratio > 0.1", "rps < 1"])
POLL = st.tuples(STATS, st.none() | JSON, st.none() | JSON)


@given(st.lists(POLL, min_size=1, max_size=4))
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)
def test_any_polls_give_a_snapshot_and_a_strict_summary(polls: list[tuple[dict, Any, Any]]):
    store = MetricStore("attached", "http://127.0.0.1:1")
    store.swarm_requested(3, 1.0)
    for second, (stats, agents, histograms) in enumerate(polls):
        store.feed(stats, agents, histograms, t=1000.0 + second)
    snapshot = store.snapshot()
    results = check_all(THRESHOLDS, snapshot)

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in summary.json")

    json.loads(summary_json(summary(snapshot, results)), parse_constant=refuse)
