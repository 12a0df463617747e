"""The mediator's CPU throttling from a fake cgroup tree to what a user reads: the probe's process reader reads
the counters each second, the store makes them per-second spans and a run total, and mediator.csv, summary.json,
the report and `--fail-on 'mediator_throttled>...'` show the share of CFS periods throttled."""

from __future__ import annotations

import csv
import io
import os

import pytest

from mediator_tui.core.export.charts import report_charts
from mediator_tui.core.export.html import report_html
from mediator_tui.core.export.mediator_table import mediator_csv
from mediator_tui.core.export.tables import summary
from mediator_tui.core.mediator.cpu_limit import CgroupPaths, limit_process
from mediator_tui.core.metrics.probe_samples import ProbeSample, ProcessSample
from mediator_tui.core.metrics.throttling import Throttled, between, cores_allowed
from mediator_tui.core.sources.probe import ProcessReader
from mediator_tui.core.thresholds import check_all, parse_thresholds
from tests.recording.replay import RUNNING_AT_S, replay
from tests.support.fake_cgroups import place, v1_host, v2_host, write_stat

# The cgroup's counters at each probe tick: (CFS periods, throttled periods, seconds throttled) since it was made.
# Second by second: 10 periods, 2 throttled (20 %); 10, 9 (90 %); 0 (idle); 10, 0 (0 %).
COUNTERS = [(100, 40, 3.0), (110, 42, 3.1), (120, 51, 3.8), (120, 51, 3.8), (130, 51, 3.8)]


def limited_run(tmp_path, host, counters=COUNTERS):
    """The recorded run going on, its mediator this process in a fake cgroup limited to 0.2 core, read by the
    probe's own process reader once a second as the cgroup's counters move."""
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    paths = host(tmp_path)
    group = limit_process(os.getpid(), 0.2, "acapy-1", paths)  # a fake tree: this process stays where it is
    place(paths, os.getpid(), group)
    reader = ProcessReader(os.getpid(), ports=(), cgroups=paths)
    for periods, throttled, seconds in counters:
        write_stat(group, periods, throttled, seconds)
        clock.t += 1.0
        store.feed_probe(ProbeSample(at=clock.t, took_s=0.01, process=reader.read()))
    return store.snapshot()


@pytest.mark.parametrize("host", [v2_host, v1_host], ids=["v2", "v1"])
def test_throttling_per_second_and_over_the_run_in_mediator_csv_summary_and_report(tmp_path, host):
    snapshot = limited_run(tmp_path, host)
    rows = list(csv.DictReader(io.StringIO(mediator_csv(snapshot))))
    # The first reading has nothing to be compared with; then each second's share of its periods.
    assert [r["throttled_percent"] for r in rows] == ["", "20", "90", "0", "0"]
    assert [r["throttled_s"] for r in rows] == ["", "0.1", "0.7", "0", "0"]
    mediator = summary(snapshot, [])["mediator"]
    # Over the run: 11 of 30 periods, 0.8 s held back, under the 0.2 core the cgroup holds.
    assert (mediator["throttled_percent"], mediator["throttled_s"], mediator["cpu_limit_cores"]) == (36.7, 0.8, 0.2)
    # What a comparison divides CPU per request by: the limit, below the host's cores.
    assert (mediator["cpu_cores_allowed"], mediator["cpu_cores_allowed_from"]) == (0.2, "cgroup limit")
    assert "36.7 % (0.8 s), limit 0.2 cores" in report_html(snapshot, summary(snapshot, []))
    (chart,) = [c for c in report_charts(snapshot) if c.title == "Mediator CPU"]
    assert [y for _, y in chart.lines[1].points] == [20.0, 90.0, 0.0, 0.0] and "CFS periods" in chart.lines[1].label


def test_fail_on_mediator_throttled_judges_the_run_s_share_in_percent(tmp_path):
    snapshot = limited_run(tmp_path, v1_host)
    results = check_all(
        parse_thresholds(["mediator_throttled>25", "mediator_throttled>25%", "mediator_throttled>50"]), snapshot
    )
    # `%` names the figure's unit: 25 and 25 % are the same level, as for the other figures in %.
    assert [(r.ok, round(r.value, 1)) for r in results] == [(False, 36.7), (False, 36.7), (True, 36.7)]
    assert [t.limit for t in parse_thresholds(["mediator_cpu>80%", "fail_ratio>1%"])] == [80.0, 0.01]


def test_a_mediator_whose_cgroup_cannot_be_read_fails_the_threshold_saying_why(tmp_path):
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    blind = ProcessReader(os.getpid(), ports=(), cgroups=CgroupPaths(mounts=tmp_path / "none"))
    for _ in range(3):
        clock.t += 1.0
        store.feed_probe(ProbeSample(at=clock.t, took_s=0.01, process=blind.read()))
    snapshot = store.snapshot()
    (result,) = check_all(parse_thresholds(["mediator_throttled>25"]), snapshot)
    assert (result.ok, result.value) == (False, None)
    assert "no cgroup CPU counters (cpu.stat)" in result.unknown_because
    mediator = summary(snapshot, [])["mediator"]
    assert mediator["throttled_percent"] is None
    # The cores it may use are then the host's, and the export says the cgroup was not read.
    assert (mediator["cpu_cores_allowed"], mediator["cpu_cores_allowed_from"]) == (
        os.cpu_count(),
        "host cores (cgroup unreadable)",
    )
    assert {r["throttled_percent"] for r in csv.DictReader(io.StringIO(mediator_csv(snapshot)))} == {""}
    # No probe of the process at all: the reason names what would read it.
    (unprobed,) = check_all(
        parse_thresholds(["mediator_throttled>25"]), replay(until_s=RUNNING_AT_S, probe=False)[0].snapshot()
    )
    assert "MEDIATOR_PID" in unprobed.unknown_because
    unread = summary(replay(until_s=RUNNING_AT_S, probe=False)[0].snapshot(), [])["mediator"]
    assert unread["cpu_cores_allowed"] is unread["cpu_cores_allowed_from"] is None  # a mediator elsewhere


@pytest.mark.parametrize(
    ("limit", "host_cores", "allowed"),
    [
        (0.2, 2, (0.2, "cgroup limit")),
        (None, 2, (2.0, "host cores")),  # a cgroup without a quota
        (4.0, 2, (2.0, "host cores")),  # a limit above the host's cores never binds
        (0.2, None, None),  # the host's cores unknown
    ],
)
def test_the_cores_a_mediator_may_use_are_its_limit_below_the_hosts_cores(limit, host_cores, allowed):
    assert cores_allowed(Throttled(cpu_limit_cores=limit), host_cores) == allowed


def test_counters_that_go_down_are_a_new_cgroup_and_count_from_zero():
    before = ProcessSample(cfs_periods=500, throttled_periods=300, throttled_s=20.0, cpu_limit_cores=0.2)
    after = ProcessSample(cfs_periods=10, throttled_periods=4, throttled_s=0.3, cpu_limit_cores=0.2)
    assert between(before, after) == Throttled(10, 4, 0.3, 0.2)
    assert between(None, after) is None and between(before, ProcessSample()) is None
