"""`mediator-tui capacity`: its lines, its exit codes, its export and its setup errors, on a fake run and driver.

The real search against the embedded mediator is tests/e2e/test_capacity.py.
"""

import argparse
import csv
import dataclasses
import io
import json

import pytest

from mediator_tui.commands.capacity import plan_settings
from mediator_tui.commands.cli import main
from mediator_tui.core import capacity_session
from mediator_tui.core.capacity.search import CapacitySearch
from tests.support.capacity_fakes import LEVELS, PLAN, FakeCapacityRun, FakeDriver, step


def search(tmp_path, p95_by_users, run=None, export=True, **driver):
    run = run or FakeCapacityRun()
    out = io.StringIO()
    options = capacity_session.SearchOptions(levels=LEVELS, export_dir=tmp_path / "out" if export else None)
    code = capacity_session.search(run, options, lambda on_step: FakeDriver(on_step, p95_by_users, **driver), out)
    return code, out.getvalue(), run


def saturating(users):
    return 250.0 if users < 45 else 1400.0


def test_a_knee_within_the_maximum_prints_each_step_and_the_verdict_and_exits_0(tmp_path):
    code, out, run = search(tmp_path, saturating)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == (
        "capacity search: 10 to 60 Locust users by 10 at 10 users/s, each step 20 s after spawning (5 s settle)"
    )
    steps = [line for line in lines if line.startswith("step ")]
    assert steps[0] == (
        "step 1: 10 users, 20 agents (20 running)  ping p95 250 ms  failures 0/480 (0.00%)  "
        "onboarding failures 0.0%  met"
    )
    assert steps[-1].startswith("step 5: 50 users, 100 agents (100 running)  ping p95 1400 ms")
    assert steps[-1].endswith("BROKEN: p95(ping_mediator)>1000 (1400) [latency]")
    assert len(steps) == 5
    assert "verdict: held 40 users, 80 agents; broke at 50 users, 100 agents on p95(ping_mediator)>1000 (1400)" in lines
    assert "  broke first: latency" in lines
    assert (
        "  the mediator at the knee, the last step held (40 users, 80 agents): not measured (no mediator "
        "probe figures for this run)"
    ) in lines
    assert (
        "  the mediator at the first broken step (50 users, 100 agents): not measured (no mediator probe "
        "figures for this run)"
    ) in lines
    assert "  limited by: mediator" in lines
    assert run.calls == ["prepare", "stop", "final_poll", ("export", False), "shutdown"]


def test_the_export_has_one_capacity_row_per_step_a_summary_section_and_a_chart(tmp_path):
    search(tmp_path, saturating)
    out = tmp_path / "out"
    with open(out / "capacity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["step"], r["users"], r["agents"], r["met"]) for r in rows] == [
        ("1", "10", "20", "yes"),
        ("2", "20", "40", "yes"),
        ("3", "30", "60", "yes"),
        ("4", "40", "80", "yes"),
        ("5", "50", "100", "no"),
    ]
    assert (rows[0]["users_running"], rows[0]["agents_running"]) == ("10", "20")
    assert rows[-1]["broken"] == "p95(ping_mediator)>1000 (1400)" and rows[-1]["ping_p95_ms"] == "1400"
    capacity = json.loads((out / "summary.json").read_text())["capacity"]
    assert (
        capacity["users_held"],
        capacity["agents_held"],
        capacity["users_broken"],
        capacity["agents_broken"],
        capacity["broke_first"],
        capacity["limited_by"],
    ) == (40, 80, 50, 100, "latency", "mediator")
    assert capacity["complete"] is True
    assert (capacity["at_held"]["users"], capacity["at_broken"]["users"]) == (40, 50)
    assert [r["verdict_step"] for r in rows] == ["", "", "", "held", "broken"]
    assert capacity["plan"] == {
        "start": 10,
        "step": 10,
        "max": 60,
        "hold_s": 20.0,
        "settle_s": 5.0,
        "spawn_rate": 10.0,
        "resolution": None,
    }
    assert capacity["levels"][0]["expr"] == "p95(ping_mediator)>1000"
    report = (out / "report.html").read_text()
    assert "<h2>Capacity search</h2>" in report and 'aria-label="Capacity: p95 per step"' in report
    assert 'aria-label="Capacity: mediator CPU per step"' in report
    assert ">Locust users</text>" in report  # the chart's x axis is the steps' users, not time
    assert "the mediator at the knee, the last step held (40 users, 80 agents)" in report
    assert "<th>held</th><td>40 users, 80 agents</td>" in report
    charts = (out / "charts.txt").read_text()
    assert "Capacity: p95 per step (ms)" in charts and "Capacity: mediator CPU per step (% of a core)" in charts


def test_no_level_broken_up_to_the_maximum_exits_0(tmp_path):
    code, out, _ = search(tmp_path, lambda users: 200.0, export=False)
    assert code == 0
    assert "verdict: no level broke up to 60 users, 120 agents" in out
    assert "  the mediator at the highest step (none broke) (60 users, 120 agents): not measured" in out
    assert "broke first" not in out and "first broken step" not in out


def test_the_first_step_broken_exits_3(tmp_path):
    code, out, _ = search(tmp_path, lambda users: 1400.0)
    assert code == 3, out
    assert "verdict: the first step (10 users, 20 agents) already broke: p95(ping_mediator)>1000 (1400)" in out
    capacity = json.loads((tmp_path / "out" / "summary.json").read_text())["capacity"]
    assert capacity["users_held"] is None and capacity["users_broken"] == 10


def test_a_search_that_cannot_go_on_exits_2_and_keeps_what_it_measured(tmp_path):
    code, out, run = search(tmp_path, saturating, fail_after_steps=2)
    assert code == 2
    assert "error: waited 60 s for step 3 (30 users) to finish spawning" in out
    assert "verdict: no level broke up to 20 users, 40 agents" in out
    assert ("export", True) in run.calls and run.calls[-1] == "shutdown"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["run"]["partial"] is True and summary["capacity"]["complete"] is False
    assert len(summary["capacity"]["steps"]) == 2


def test_a_stop_that_does_not_reach_an_attached_master_is_said(tmp_path):
    code, out, run = search(tmp_path, saturating, run=FakeCapacityRun(mode="attached", stop_fails=True), export=False)
    assert (
        "could not stop the load (an attached master keeps running: stop it in its web UI): "
        "cannot reach the master at http://10.0.0.9:8089" in out
    )
    assert code == 0 and run.calls[-1] == "shutdown"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--slo", "p95(ping_mediator)>>1"], "service level: cannot read the threshold"),
        (["--hold", "soon"], "--hold 'soon'"),
        (["--hold", "10s", "--settle", "10s"], "CAPACITY_HOLD (10 s) must be longer than CAPACITY_SETTLE (10 s)"),
        (["--start", "50", "--max", "20"], "CAPACITY_MAX (20) is below CAPACITY_START (50)"),
        (["--resolution", "0"], "--resolution must be at least 1 user"),
        (
            ["--attach", "http://127.0.0.1:9", "--start", "5", "--workers", "2"],
            "--start, --workers: an attached master (--attach or ATTACH_URL) ramps by its own settings",
        ),
    ],
)
def test_bad_options_are_setup_errors_before_anything_starts(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code = main(["capacity", *args, "--export", str(tmp_path / "out")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_harness_bound_says_so_and_how_to_add_workers(tmp_path):
    run = FakeCapacityRun()
    out = io.StringIO()

    class BusyWorkers(FakeDriver):
        def run(self):
            search = CapacitySearch(PLAN.targets(), LEVELS)
            for index, users in enumerate((10, 20)):
                self.on_step(
                    search.record(step(users, p95=250.0 if users == 10 else 1400.0, worker_cpu=97.0, index=index))
                )
            return search.verdict()

    options = capacity_session.SearchOptions(levels=LEVELS)
    assert capacity_session.search(run, options, lambda on_step: BusyWorkers(on_step, None), out) == 0
    text = out.getvalue()
    assert "the harness, not the mediator, set this bound (a worker used 97 % of a core): add workers" in text
    assert "  limited by: harness" in text


def test_the_mediator_s_state_is_in_each_step_line_the_verdict_and_the_export(tmp_path):
    def probed(users, index):
        figures = step(users, p95=saturating(users), index=index)
        return dataclasses.replace(
            figures,
            total=dataclasses.replace(figures.total, rps=users * 1.2),
            mediator_cpu_percent=users * 1.5,
            mediator_rss_bytes=users * 2_000_000,
            mediator_connections=users,
            mediator_bytes_per_connection=51_200.0,
        )

    code, out, _run = search(tmp_path, saturating, figures=probed)
    lines = out.splitlines()
    assert code == 0
    assert next(line for line in lines if line.startswith("step ")).endswith("  mediator CPU 15 %  met")
    assert "  mediator connections 10  mediator CPU 15 %" in next(line for line in lines if line.startswith("step "))
    # At the knee (40 users held): 60 % of a core for 48 pings/s (40 users x 1.2), 12.5 ms of the
    # mediator's CPU per ping; at the first broken step, 75 % for 60 pings/s.
    assert (
        "  the mediator at the knee, the last step held (40 users, 40 agents): CPU 60 % of a core, 12.50 ms "
        "CPU per request, memory 76.3 MiB, 50.0 KiB per TCP/websocket connection, 40 TCP/websocket connections"
    ) in lines
    assert (
        "  the mediator at the first broken step (50 users, 50 agents): CPU 75 % of a core, 12.50 ms CPU per "
        "request, memory 95.4 MiB, 50.0 KiB per TCP/websocket connection, 50 TCP/websocket connections"
    ) in lines
    with open(tmp_path / "out" / "capacity.csv", newline="") as f:
        rows = {row["verdict_step"]: row for row in csv.DictReader(f)}
    held, broken = rows["held"], rows["broken"]
    assert (held["users"], held["mediator_cpu_percent"], held["mediator_rss_bytes"], held["mediator_connections"]) == (
        "40",
        "60",
        "80000000",
        "40",
    )
    assert (
        broken["users"],
        broken["mediator_cpu_percent"],
        broken["mediator_rss_bytes"],
        broken["mediator_connections"],
    ) == ("50", "75", "100000000", "50")
    assert (held["mediator_bytes_per_connection"], held["mediator_cpu_ms_per_request"]) == ("51200", "12.5")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())["capacity"]
    assert summary["at_held"]["mediator_cpu_percent"] == 60.0 and summary["at_held"]["mediator_connections"] == 40
    assert summary["at_broken"]["mediator_cpu_percent"] == 75.0 and summary["at_broken"]["users"] == 50


def test_a_mediator_held_back_by_its_cpu_limit_broke_on_throttling_in_the_lines_and_the_export(tmp_path):
    def throttled(users, index):
        figures = step(users, p95=saturating(users), index=index)
        return dataclasses.replace(figures, mediator_throttled_percent=users * 1.8, mediator_throttled_s=users / 10)

    code, out, _run = search(tmp_path, saturating, figures=throttled)
    assert code == 0, out
    assert (
        "  broke on: throttling (its CPU limit cut short 90 % of its CFS periods (5.0 s held back) at 50 users" in out
    )
    capacity = json.loads((tmp_path / "out" / "summary.json").read_text())["capacity"]
    assert capacity["broke_on"] == "throttling" and capacity["at_held"]["mediator_throttled_percent"] == 72.0
    with open(tmp_path / "out" / "capacity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["mediator_throttled_percent"] for r in rows] == ["18", "36", "54", "72", "90"]
    assert "<th>broke on</th><td>throttling</td>" in (tmp_path / "out" / "report.html").read_text()


def test_hold_auto_on_the_command_line_reaches_the_master_and_a_wrong_word_is_named():
    args = argparse.Namespace(start=1000, step=None, max=None, hold="auto", settle=None, spawn_rate=None)
    assert plan_settings(args) == {"CAPACITY_START": "1000", "CAPACITY_HOLD": "auto"}
    with pytest.raises(ValueError, match=r"--hold 'soon' is not a duration \(e.g. 90s, 5m, 1h30m\) or auto"):
        plan_settings(argparse.Namespace(**{**vars(args), "hold": "soon"}))
