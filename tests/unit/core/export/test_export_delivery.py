"""The delivery ledger's figures in the export and in the thresholds, from the store's snapshot."""

import csv
import json

import pytest

from mediator_tui.core.export import write_export
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.thresholds import ThresholdError, check_all, parse_threshold, parse_thresholds
from tests.support.master_payloads import Clock, stats_with, view


@pytest.fixture
def snapshot():
    store = MetricStore("local", "", clock=Clock())
    for t, body in (
        (1001.2, view(6, 5, in_flight=1, latency={40: 4, 300: 1})),
        (1002.2, view(9, 7, lost=1, in_flight=1, duplicated=2, late=1, latency={40: 5, 300: 1, 2500: 1})),
    ):
        store.feed(stats_with(10), body, t=t)
    return store.snapshot()


def test_summary_and_delivery_csv_agree(tmp_path, snapshot):
    write_export(tmp_path, snapshot)
    summary = json.loads((tmp_path / "summary.json").read_text())["delivery"]
    assert summary == {
        "sent": 9,
        "delivered": 7,
        "lost": 1,
        "in_flight": 1,
        "duplicated": 2,
        "late": 1,
        "out_of_order": 0,
        "p50_ms": 40,
        "p95_ms": 2500,
        "p99_ms": 2500,
        "max_ms": 2500,
    }
    with open(tmp_path / "delivery.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["sent_in_s"] for r in rows] == ["6", "3"]
    assert sum(int(r["delivered_in_s"]) for r in rows) == summary["delivered"]
    assert rows[-1]["lost"] == "1" and rows[-1]["p95_ms"] == "2500"


def test_without_a_ledger_the_summary_says_unknown(tmp_path):
    store = MetricStore("local", "", clock=Clock())
    store.feed(stats_with(10), None, t=1001.0)
    write_export(tmp_path, store.snapshot())
    summary = json.loads((tmp_path / "summary.json").read_text())["delivery"]
    assert set(summary.values()) == {None}
    assert (tmp_path / "delivery.csv").read_text().count("\n") == 1  # the header only


def test_thresholds_on_lost_duplicated_and_delivery_p95(snapshot):
    results = check_all(parse_thresholds(["lost>0", "duplicated>5", "delivery_p95>2000"]), snapshot)
    assert [(r.value, r.ok) for r in results] == [(1, False), (2, True), (2500, False)]
    with pytest.raises(ThresholdError, match="run metric"):
        parse_threshold("lost(deliver_message)>0")
