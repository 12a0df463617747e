"""The mediator's side in the export: mediator.csv, summary.json's `mediator` section, the charts, thresholds."""

import csv
import json

from mediator_tui.core.export import write_export
from mediator_tui.core.probe import AdminStatus, ProbeSample, ProcessSample
from mediator_tui.core.thresholds import check_all, parse_thresholds
from tests.recording.replay import RUNNING_AT_S, replay

MB = 1_000_000
REFUSED = "GET http://127.0.0.1:9/status: connection refused"


def probed_run():
    """The recorded run while it goes on (9 agents running), probed for 10 s (our readings instead of its);
    the admin API refuses."""
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    for i in range(10):
        clock.t += 1.0
        process = ProcessSample(pid=4242, status="sleeping", cpu_percent=[20.0, 95.5][i == 4], rss_bytes=(150 + i) * MB,
                                uss_bytes=(120 + i) * MB, open_fds=60, threads=9, established=9 + (i == 7) * 4)
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


def test_an_unprobed_run_exports_nulls_and_an_empty_csv(tmp_path):
    write_export(tmp_path, replay(probe=False)[0].snapshot())
    mediator = json.loads((tmp_path / "summary.json").read_text())["mediator"]
    assert mediator["sources"] == [] and mediator["cpu_percent_max"] is None and mediator["rss_bytes_max"] is None
    assert read_csv(tmp_path / "mediator.csv") == []


def test_mediator_thresholds_read_the_run_maxima_and_fail_when_unknown():
    snapshot = probed_run()
    results = check_all(parse_thresholds(["mediator_cpu>90", "mediator_rss>200000000", "session_gap>5",
                                          "queue_age>30"]), snapshot)
    assert [(r.value, r.ok) for r in results] == [(95.5, False), (159 * MB, True), (4, True), (None, False)]
