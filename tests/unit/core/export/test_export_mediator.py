"""The mediator's side in the export: mediator.csv, summary.json's `mediator` section, the charts, thresholds."""

import csv
import dataclasses
import json

from mediator_tui.contracts.capacity import RampPlan
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.outcome import CapacityOutcome
from mediator_tui.core.capacity.search import CapacitySearch
from mediator_tui.core.export import write_export
from mediator_tui.core.export.capacity import capacity_charts
from mediator_tui.core.sources.probe import AdminStatus, ProbeSample, ProcessSample
from mediator_tui.core.thresholds import check_all, parse_thresholds
from tests.recording.replay import RUNNING_AT_S, ended_run, replay
from tests.support.capacity_fakes import RAMP, run, saturating

MB = 1_000_000
REFUSED = "GET http://127.0.0.1:9/status: connection refused"


def probed_run():
    """The recorded run while it goes on (9 agents running), probed for 10 s (our readings instead of its);
    the admin API refuses."""
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    for i in range(10):
        clock.t += 1.0
        process = ProcessSample(
            pid=4242,
            status="sleeping",
            cpu_percent=[20.0, 95.5][i == 4],
            rss_bytes=(150 + i) * MB,
            uss_bytes=(120 + i) * MB,
            open_fds=60,
            threads=9,
            established=9 + (i == 7) * 4,
        )
        status = AdminStatus(error=REFUSED) if i == 0 else None
        store.feed_probe(ProbeSample(at=clock.t, took_s=0.01, process=process, admin_status=status))
    return store.snapshot()


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_mediator_csv_and_summary_carry_the_same_figures(tmp_path):
    snapshot = probed_run()
    write_export(tmp_path, snapshot)
    rows = read_csv(tmp_path / "mediator.csv")
    assert len(rows) == 10
    assert [int(r["rss_bytes"]) for r in rows] == [(150 + i) * MB for i in range(10)]
    assert rows[0]["agents_running"] == "9" and rows[7]["session_gap"] == "4" and rows[0]["session_gap"] == "0"
    assert rows[0]["queue_age_s"] == ""  # unknown, not zero
    mediator = json.loads((tmp_path / "summary.json").read_text())["mediator"]
    assert mediator["sources"] == ["process", "admin"]
    assert mediator["cpu_percent_max"] == max(float(r["cpu_percent"]) for r in rows) == 95.5
    assert mediator["rss_bytes_max"] == max(int(r["rss_bytes"]) for r in rows) == 159 * MB
    assert mediator["connections_max"] == 13 and mediator["session_gap_max"] == 4
    assert mediator["queue_age_s_max"] is None and mediator["bytes_per_connection"] is None
    assert mediator["errors"] == [{"source": "admin status", "error": REFUSED}]
    assert {"figure": "queue age", "enable": "set MEDIATOR_METRICS_URL"} in mediator["unknown"]
    charts = (tmp_path / "charts.txt").read_text()
    assert "Mediator CPU" in charts and "Mediator memory" in charts
    html = (tmp_path / "report.html").read_text()
    assert "<h2>Mediator</h2>" in html and "connection refused" in html


def test_saturated_and_stalled_seconds_reach_mediator_csv_and_the_summary(tmp_path):
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    for state, cpu in [("", 30.0)] + [("saturated", 97.0)] * 4 + [("stalled", 0.0)] * 3:
        clock.t += 1.0
        process = ProcessSample(pid=4242, status="running", cpu_percent=cpu, established=9)
        store.feed_probe(
            ProbeSample(
                at=clock.t,
                took_s=0.01,
                process=process,
                stalled_by=("admin status",) if state else (),
                state=state,
            )
        )
    write_export(tmp_path, store.snapshot())
    rows = read_csv(tmp_path / "mediator.csv")
    assert [r["state"] for r in rows] == [""] + ["saturated"] * 4 + ["stalled"] * 3
    assert [r["stalled"] for r in rows] == ["0"] * 5 + ["1"] * 3
    mediator = json.loads((tmp_path / "summary.json").read_text())["mediator"]
    assert (mediator["state"], mediator["saturated_s"], mediator["stalled_s"]) == ("stalled", 4.0, 3.0)


def test_an_unprobed_run_exports_nulls_and_an_empty_csv(tmp_path):
    write_export(tmp_path, replay(probe=False)[0].snapshot())
    mediator = json.loads((tmp_path / "summary.json").read_text())["mediator"]
    assert mediator["sources"] == [] and mediator["cpu_percent_max"] is None and mediator["rss_bytes_max"] is None
    assert read_csv(tmp_path / "mediator.csv") == []


def test_mediator_thresholds_read_the_run_maxima_and_fail_when_unknown():
    snapshot = probed_run()
    results = check_all(
        parse_thresholds(["mediator_cpu>90", "mediator_rss>200000000", "session_gap>5", "queue_age>30"]), snapshot
    )
    assert [(r.value, r.ok) for r in results] == [(95.5, False), (159 * MB, True), (4, True), (None, False)]


def test_the_capacity_export_charts_the_mediator_s_cpu_of_each_step_against_its_users(tmp_path):
    """A bisecting search (10..60 by 10, then 45): the chart is in user order, an unprobed step left out."""
    search = CapacitySearch(RAMP, parse_levels([]), resolution=5)
    run(
        search,
        lambda users: dataclasses.replace(
            saturating(users),
            index=len(search.steps),
            mediator_cpu_percent=None if users == 20 else min(100.0, users * 2.0),
        ),
    )
    plan = RampPlan(start=10, step=10, max_users=60, hold_s=20.0, settle_s=5.0, spawn_rate=10.0)
    write_export(tmp_path, ended_run(), capacity=CapacityOutcome(plan, parse_levels([]), 5, search.verdict()))
    chart = next(
        c
        for c in capacity_charts(json.loads((tmp_path / "summary.json").read_text())["capacity"])
        if c.title == "Capacity: mediator CPU per step"
    )
    assert (chart.unit, chart.x_label) == ("% of a core", "Locust users")
    assert [p for line in chart.lines for p in line.points] == [
        (10.0, 20.0),
        (30.0, 60.0),
        (40.0, 80.0),
        (45.0, 90.0),
        (50.0, 100.0),
    ]
    report = (tmp_path / "report.html").read_text()
    assert 'aria-label="Capacity: mediator CPU per step"' in report
    assert "Capacity: mediator CPU per step (% of a core)" in (tmp_path / "charts.txt").read_text()
