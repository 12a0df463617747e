"""The export: every file from one snapshot, figures that agree, files that appear whole."""

import copy
import csv
import dataclasses
import json
import os
import re

import pytest

from mediator_tui.core.atomic_file import write_text_atomic
from mediator_tui.core.export import EXPORT_FILES, write_export
from mediator_tui.core.thresholds import check_all, parse_thresholds
from tests.recording.replay import ended_run, recorded_calls, replay


def last_recorded_feed() -> tuple[dict, dict, dict]:
    """The master's payloads of the recorded run's last poll: /stats/requests, agents, histograms."""
    return next(args for _, name, args, _ in reversed(recorded_calls()) if name == "feed")


@pytest.fixture
def exported(tmp_path):
    snapshot = ended_run()
    results = check_all(parse_thresholds(["fail_ratio>0.01", "crashes>0"]), snapshot)
    write_export(tmp_path, snapshot, results)
    return tmp_path, snapshot


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_every_file_is_written_and_nothing_else(exported):
    directory, _ = exported
    assert sorted(os.listdir(directory)) == sorted(EXPORT_FILES)


def test_summary_has_the_documented_keys(exported):
    directory, _ = exported
    summary = json.loads((directory / "summary.json").read_text())
    assert {"run", "requests", "agents", "ports", "memory", "mediator", "thresholds"} <= set(summary)
    assert {"start", "end", "duration_s", "users", "workers", "engine", "locustfiles", "target"} <= set(summary["run"])
    for row in summary["requests"]:
        assert set(row) == {"type", "name", "count", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms"}
    assert set(summary["agents"]) == {"started", "running", "crashed", "restarted", "peak_running", "reconnects"}
    assert set(summary["ports"]) == {"size", "in_use_max", "refused"}
    assert set(summary["memory"]) == {
        "agents",
        "unique_bytes",
        "shared_bytes",
        "per_agent_unique_bytes",
        "per_agent_unknown_because",
    }
    stats, agents, _ = last_recorded_feed()
    aggregated = next(row for row in stats["stats"] if row["name"] == "Aggregated")
    assert summary["thresholds"] == [
        {"expr": "fail_ratio>0.01", "value": aggregated["num_failures"] / aggregated["num_requests"], "ok": True},
        {"expr": "crashes>0", "value": agents["total"]["agents"]["crashed"], "ok": False},
    ]
    assert 45 <= summary["run"]["duration_s"] < 50  # the recorded run was asked for 45 s
    assert summary["run"]["workers"] == len(stats["workers"]) == 2 and summary["run"]["missing_workers"] == []
    assert summary["run"]["users"] == 6  # the peak: after the stop no user is left
    # Memory when the most agents ran, not after the stop ended them all.
    assert summary["memory"]["agents"] == 9 and agents["total"]["memory"]["agents"] == 0
    assert summary["memory"]["per_agent_unique_bytes"] == pytest.approx(summary["memory"]["unique_bytes"] / 9, abs=0.1)


def test_figures_agree_across_files(exported):
    directory, snapshot = exported
    summary = json.loads((directory / "summary.json").read_text())
    requests = read_csv(directory / "requests.csv")
    stats, agents, histograms = last_recorded_feed()
    assert summary["total"]["count"] == sum(int(r["count"]) for r in requests) == histograms["total"]["num_requests"]
    assert summary["total"]["failures"] == sum(int(r["failures"]) for r in requests) == 2
    assert [r["name"] for r in requests] == [r["name"] for r in summary["requests"]]
    history = read_csv(directory / "history.csv")
    assert len(history) == sum(len(s.points) for s in snapshot.history)
    assert {r["series"] for r in history} == {"Aggregated"} | {
        f"didcomm {name}"
        for name in (
            "agent_start",
            "ping_mediator",
            "create_invitation",
            "receive_invitation",
            "send_message",
            "deliver_message",
        )
    }
    crashes = read_csv(directory / "agents.csv")
    assert len(crashes) == summary["agents"]["crashed"] == 2
    # Told by the agent's exit ("agent process killed by SIGKILL") or, for the frozen one, by the step it left
    # waiting ("killed by SIGKILL; stderr: ...").
    assert all(
        c["reason"].startswith(("agent process killed by SIGKILL", "killed by SIGKILL; stderr: ")) and c["stderr_tail"]
        for c in crashes
    )
    memory = read_csv(directory / "memory.csv")
    assert len(memory) == len(snapshot.resources)
    # The reconnects so far, per second: they never fall, and the last second's is the run's count.
    reconnects = [int(row["agents_reconnects"]) for row in memory if row["agents_reconnects"]]
    assert reconnects == sorted(reconnects) and reconnects[-1] == summary["agents"]["reconnects"]
    assert summary["agents"]["reconnects"] == agents["total"]["agents"]["reconnects"]
    # The mediator probe's readings and the workers' delivery ledgers of the run.
    assert len(read_csv(directory / "mediator.csv")) == len(snapshot.mediator.history) > 40
    assert summary["mediator"]["sources"] == ["process", "admin"] and summary["mediator"]["rss_bytes_max"] > 0
    delivered = agents["total"]["delivery"]["counts"]["delivered"]
    assert summary["delivery"]["delivered"] == delivered > 100 and summary["delivery"]["lost"] == 1
    assert summary["delivery"]["sent"] == delivered + 1 + summary["delivery"]["in_flight"]
    # Every message a worker's ledger counts sent is delivered, lost or still in flight, in every report of the
    # run (a recording made with a ledger that withdrew a failed send from sent only would fail here).
    reports = [
        report
        for _, name, args, _ in recorded_calls()
        if name == "feed" and args[1]
        for report in (args[1]["total"], *args[1]["workers"].values())
    ]
    assert (
        len(reports) > 100
        and [
            c
            for c in (r["delivery"]["counts"] for r in reports)
            if c["sent"] != c["delivered"] + c["lost"] + c["in_flight"]
        ]
        == []
    )
    # A delivering wallet troubled: one message never arrived (frozen), one send failed (its agent killed).
    assert (
        [(f["name"], f["occurrences"]) for f in read_csv(directory / "failures.csv")]
        == [(e["name"], str(e["occurrences"])) for e in stats["errors"]]
        == [("deliver_message", "1"), ("send_message", "1")]
    )


def test_report_is_one_self_contained_page_with_six_charts(exported):
    directory, _ = exported
    page = (directory / "report.html").read_text()
    assert page.count("<svg") == 6
    assert "<script" not in page
    assert not re.search(r'(src|href)\s*=\s*"', page), "a report must not load anything"
    for title in (
        "Requests per second",
        "Latency percentiles",
        "Users and agents",
        "Agent memory",
        "Mediator CPU",
        "Mediator memory",
    ):
        assert title in page
    assert "FAILED" in page  # the crashes>0 threshold


def test_a_worker_lost_mid_run_leaves_a_trace_in_the_summary(tmp_path):
    store, clock = replay()
    stats, agents, histograms = copy.deepcopy(last_recorded_feed())
    lost = stats["workers"][1]
    lost["state"] = "missing"
    clock.t += 1.0
    store.feed(stats, agents, histograms)
    write_export(tmp_path, store.snapshot())
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["run"]["missing_workers"] == [lost["id"]] and summary["run"]["workers"] == 1
    assert f"<tr><td>missing_workers</td><td>{lost['id']}</td></tr>" in (tmp_path / "report.html").read_text()


def test_terminal_charts_show_the_same_charts_without_colour_codes(exported):
    directory, _ = exported
    text = (directory / "charts.txt").read_text()
    for title in ("Requests per second", "Latency percentiles", "Users and agents", "Agent memory"):
        assert title in text
    assert "\x1b[" not in text


def test_secrets_are_scrubbed_from_every_file(tmp_path):
    snapshot = ended_run()
    secret = snapshot.status.workers[0].worker_id  # in several files: summary, history of crashes, report
    write_export(tmp_path, snapshot, redact=lambda text: text.replace(secret, "****"))
    for name in EXPORT_FILES:
        assert secret not in (tmp_path / name).read_text(), name


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "summary.json"
    write_text_atomic(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["summary.json"]


def test_an_empty_run_still_exports_valid_files(tmp_path):
    from mediator_tui.core.metrics.store import MetricStore

    snapshot = MetricStore("local", "http://127.0.0.1:1").snapshot()
    write_export(tmp_path, snapshot, partial=True)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["run"]["partial"] is True and summary["requests"] == []
    assert summary["agents"]["started"] is None  # unknown, not zero
    assert "no data" in (tmp_path / "report.html").read_text()


@pytest.mark.parametrize("high", [0.3, 1.0, 7.0, 430.0, 1000.0, 123456.0])
def test_chart_axes_reach_the_highest_value(high):
    from mediator_tui.core.export.svg import nice_ticks

    ticks = nice_ticks(0.0, high)
    assert ticks[0] == 0.0 and ticks[-1] >= high and len(ticks) <= 12


def test_report_shows_a_native_agents_memory_in_kib_as_the_memory_pane_does(tmp_path):
    recorded = ended_run()
    native = dataclasses.replace(
        recorded,
        memory=dataclasses.replace(recorded.memory, peak_agents=10, peak_unique_bytes=6_390_000),
        judged=dataclasses.replace(recorded.judged, memory_per_agent_bytes=639_000.0),
    )
    write_export(tmp_path, native)
    page = (tmp_path / "report.html").read_text()
    assert "<td>624.0 KiB</td>" in page and "<td>6.1 MiB</td>" in page
    assert " MB<" not in page


def test_a_run_without_histograms_says_its_per_second_p99_is_the_cumulative_one(tmp_path):
    recorded = ended_run()
    window = dataclasses.replace(
        recorded,
        total=dataclasses.replace(recorded.total, percentile_source="window", interval_p99_source="cumulative"),
    )
    write_export(tmp_path, window)
    history = json.loads((tmp_path / "summary.json").read_text())["history"]
    assert (history["percentile_source"], history["p99_source"]) == ("window", "cumulative")
