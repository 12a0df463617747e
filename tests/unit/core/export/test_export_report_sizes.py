"""The workers' reports to the master, as the master measured them, in the export: per host, per second and at
their highest in the run; unknown where the master measured none."""

import csv
import io
import json

from mediator_tui.core.export import write_export
from mediator_tui.locust_support.agent_metrics import AgentMetricsBoard
from tests.support.host_reports import A, B, worker
from tests.support.master_payloads import Clock, make_store, report_json, stats_with

W1, W2 = f"load-a_{A}", f"load-a_{B}"


def _run(sizes_per_second: list[tuple[int | None, int | None]]):
    """A store fed a poll a second of the master's agents route, its board given each second the two workers'
    reports in messages of those sizes (None: not measured)."""
    clock = Clock(t=1_700_000_000.0)
    store, board = make_store(clock), AgentMetricsBoard()
    for second, sizes in enumerate(sizes_per_second):
        clock.t += 1.0
        for worker_id, size in zip((W1, W2), sizes, strict=True):
            board.receive_json(worker_id, report_json(worker_id, ts=100.0 + second, host="load-a"), size)
        stats = {**stats_with(10), "workers": [worker(W1), worker(W2)], "worker_count": 2}
        store.feed(stats, board.view().to_json(), t=clock.t)
    return store.snapshot()


def _export(tmp_path, snapshot) -> tuple[dict, list[dict], list[dict]]:
    write_export(tmp_path, snapshot)
    summary = json.loads((tmp_path / "summary.json").read_text())
    memory = list(csv.DictReader(io.StringIO((tmp_path / "memory.csv").read_text())))
    hosts = list(csv.DictReader(io.StringIO((tmp_path / "hosts.csv").read_text())))
    return summary, memory, hosts


def test_the_export_gives_the_largest_report_and_the_bytes_a_second_to_the_master(tmp_path):
    summary, memory, hosts = _export(tmp_path, _run([(3_000, 5_000), (2_000, 4_000)]))
    # At their highest in the run, though the last second's reports were smaller.
    assert summary["workers"] == {"report_bytes_max": 5_000, "report_bytes_per_s_max": 8_000}
    assert [(r["report_bytes_max"], r["report_bytes_per_s"]) for r in memory] == [("5000", "8000"), ("4000", "6000")]
    # Per host, as the run ended: its live workers' last reports summed.
    (load_a,) = summary["hosts"]
    assert load_a["report_bytes"] == 6_000
    assert [(r["host"], r["report_bytes"]) for r in hosts] == [("load-a", "6000")]


def test_reports_the_master_did_not_measure_are_unknown_in_the_export(tmp_path):
    summary, memory, hosts = _export(tmp_path, _run([(None, None), (None, None)]))
    assert summary["workers"] == {"report_bytes_max": None, "report_bytes_per_s_max": None}
    assert {(r["report_bytes_max"], r["report_bytes_per_s"]) for r in memory} == {("", "")}
    assert summary["hosts"][0]["report_bytes"] is None and hosts[0]["report_bytes"] == ""
