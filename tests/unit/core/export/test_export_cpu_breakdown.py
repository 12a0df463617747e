"""summary.json's `mediator.cpu_breakdown` and the end-of-run line: what the mediator's CPU was spent on."""

import dataclasses
import io
import json

import pytest

from mediator_tui.core import headless
from mediator_tui.core.export import write_export
from mediator_tui.core.thresholds import parse_thresholds
from tests.recording.replay import replay
from tests.support.cpu_load import Costs, connections_at, loaded_run, ramp_load
from tests.support.fake_run import FakeRun

COSTS = {"per_connection_ms_per_s": 0.05, "per_ping_ms": 0.9, "per_onboarding_ms": 35.0, "base_ms_per_s": 20.0}


def breakdown(tmp_path, snapshot):
    write_export(tmp_path, snapshot)
    return json.loads((tmp_path / "summary.json").read_text())["mediator"]["cpu_breakdown"]


def test_the_summary_names_each_cost_with_its_error(tmp_path):
    said = breakdown(tmp_path, loaded_run(Costs(**COSTS)))
    for key, truth in COSTS.items():
        assert said[key] == pytest.approx(truth, rel=0.15)
        assert 0 < said["stderr"][key] < abs(said[key]) / 2
    assert said["why_not"] == dict.fromkeys(COSTS) and said["notes"] == dict.fromkeys(COSTS)
    assert (said["samples"], said["seconds"]) == (600, 600.0)
    # the same costs in words, in the summary and in the report
    assert " ms per onboarding, " in said["said"] and said["said"].endswith("(from 600 s of probe readings)")
    assert f"<p>Its CPU: {said['said']}</p>" in (tmp_path / "report.html").read_text()


def test_what_the_run_cannot_tell_is_null_with_its_reason(tmp_path):
    in_step = loaded_run(load=lambda i: dataclasses.replace(ramp_load(i), pings_per_s=connections_at(i) / 90.0))
    said = breakdown(tmp_path, in_step)
    assert said["per_ping_ms"] is None and said["stderr"]["per_ping_ms"] is None
    assert said["why_not"]["per_ping_ms"].startswith(
        "the ping rate (ping_mediator) moved in step with connections held"
    )
    assert said["per_onboarding_ms"] == pytest.approx(35.0, rel=0.15)


def test_an_unprobed_run_has_no_breakdown(tmp_path):
    said = breakdown(tmp_path, replay(probe=False)[0].snapshot())
    assert said["samples"] == 0 and said["per_connection_ms_per_s"] is None and said["base_ms_per_s"] is None
    assert "Its CPU" not in (tmp_path / "report.html").read_text()
    assert said["why_not"]["per_ping_ms"] == "0 probe readings with the mediator's CPU and its load, needs 20"


def end_of_run(tmp_path, snapshot):
    options = headless.HeadlessOptions(export_dir=tmp_path, thresholds=parse_thresholds([]), run_time_s=1.0)
    stream = io.StringIO()
    headless.run(FakeRun(snapshot=lambda: snapshot), options, stream)
    return stream.getvalue().splitlines()


def test_the_end_of_a_headless_run_says_what_the_mediator_s_cpu_went_to(tmp_path):
    lines = [line for line in end_of_run(tmp_path, loaded_run(Costs(**COSTS))) if line.startswith("mediator CPU: ")]
    assert len(lines) == 1
    line = lines[0]
    assert " ms/s per idle connection, " in line and " ms per ping, " in line and " ms per onboarding, " in line
    assert line.endswith(" ms/s base (from 600 s of probe readings)")
    per_onboarding = float(line.split(" ms per ping, ")[1].split(" ± ")[0])
    assert per_onboarding == pytest.approx(35.0, rel=0.15)


def test_a_run_without_the_mediator_s_cpu_prints_no_such_line(tmp_path):
    assert not any(line.startswith("mediator CPU") for line in end_of_run(tmp_path, replay(probe=False)[0].snapshot()))
