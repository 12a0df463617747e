"""Reading an export folder back: what the export keeps for a comparison, and a clear error naming the file
for a folder that is not a readable export."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator_tui.core.compare.runs import ExportError, load_run
from mediator_tui.core.compare.verdicts import compare
from mediator_tui.core.export.run_facts import run_settings
from tests.recording.replay import ended_run
from tests.support.compare_runs import export_recorded


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """The recorded run exported once; a test that damages an export damages a copy (`copied`)."""
    return export_recorded(tmp_path_factory.mktemp("recorded") / "run")


def copied(recorded: Path, into: Path) -> Path:
    return Path(shutil.copytree(recorded, into / "run"))


def test_the_export_keeps_histograms_settings_and_host_and_they_read_back(tmp_path):
    snapshot = ended_run()
    run = load_run(export_recorded(tmp_path, LOCUST_USERS=4))
    ping = next(e for e in run.endpoints if e.name == "ping_mediator")
    recorded = next(r for r in snapshot.requests if r.name == "ping_mediator")
    assert ping.response_times == dict(recorded.response_times) and sum(ping.response_times.values()) == recorded.count
    assert len(ping.seconds) > 10 and run.mediator and run.delivery
    assert run.settings["LOCUST_MIN_WAIT"] == 0.2 and run.settings["LOCUST_USERS"] == 4
    assert run.settings["tool_version"]
    assert set(run.host) >= {"cores", "memory_bytes", "cpu_model", "kernel"}
    # The recorded mediator ran on this host without a readable cgroup: its cores are the host's.
    assert run.cores_recorded and run.cpu_cores_allowed == os.cpu_count()
    delivery = json.loads((tmp_path / "histograms.json").read_text())["delivery"]
    assert sum(delivery.values()) == snapshot.delivery.delivered


def test_the_settings_keep_no_secret_nor_any_url():
    values = {
        "LOCUST_MIN_WAIT": 1.0,
        "ATTACH_PASSWORD": "s3cret",
        "MEDIATION_URL": "http://x?oob=abc",
        "MEDIATOR_ADMIN_HEADERS": {"x-api-key": "k"},
        "AGENT_ENGINE": "native",
    }
    kept = run_settings(values)
    assert kept["LOCUST_MIN_WAIT"] == 1.0 and kept["AGENT_ENGINE"] == "native"
    assert not {"ATTACH_PASSWORD", "MEDIATION_URL", "MEDIATOR_ADMIN_HEADERS"} & set(kept)


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda d: (d / "summary.json").unlink(), "summary.json: missing"),
        (lambda d: (d / "summary.json").write_text('{"run": {'), "summary.json: not JSON"),
        (lambda d: (d / "summary.json").write_text("[1, 2]"), "summary.json: not a JSON object"),
        (lambda d: (d / "summary.json").write_text('{"total": {}}'), "summary.json: has no `run` section"),
        (lambda d: (d / "history.csv").unlink(), "history.csv: missing"),
        (lambda d: (d / "history.csv").write_text("a,b\n1,2\n"), "history.csv: has no `series` column"),
        (lambda d: (d / "history.csv").write_bytes(b"series\n\xff\xfe\n"), "history.csv: cannot be read"),
        (lambda d: (d / "histograms.json").write_text("{"), "histograms.json: not JSON"),
    ],
)
def test_a_broken_or_partial_export_is_refused_naming_the_file(recorded, tmp_path, damage, named):
    folder = copied(recorded, tmp_path)
    damage(folder)
    with pytest.raises(
        ExportError,
        match=named.replace("`", "."),
    ) as raised:
        load_run(folder)
    assert str(folder) in str(raised.value)


def test_a_folder_that_is_not_there_is_named(tmp_path):
    with pytest.raises(ExportError, match="not a folder"):
        load_run(tmp_path / "nowhere")


def test_optional_files_may_be_missing_and_hostile_cells_are_unknowns(recorded, tmp_path):
    folder = copied(recorded, tmp_path)
    for name in ("mediator.csv", "delivery.csv", "histograms.json"):
        (folder / name).unlink()
    history = (folder / "history.csv").read_text().splitlines()
    history[1] = ",".join(["x", "NaN", "Aggregated", "", "Aggregated", "1", "inf", "-", "", "", "", "1"])
    (folder / "history.csv").write_text("\n".join(history) + "\n")
    run = load_run(folder)
    assert run.mediator == () and run.delivery == ()
    assert all(not e.response_times for e in run.endpoints)
    assert run.total.seconds[0].rps == 0.0 and run.total.seconds[0].p95_ms is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
SECTIONS = ("run", "total", "requests", "settings", "host", "mediator", "delivery", "agents")
# A capacity section shaped as the tool writes it, each figure anything: NaN, text, a flag.
CAPACITY = st.fixed_dictionaries(
    {}, optional={"users_held": JSON, "agents_held": JSON, "plan": st.fixed_dictionaries({}, optional={"step": JSON})}
)
# The mediator's figures a comparison reads, each anything.
MEDIATOR = st.fixed_dictionaries({}, optional=dict.fromkeys(("cpu_cores_allowed", "bytes_per_connection"), JSON))


@pytest.fixture(scope="module")
def scratch(recorded, tmp_path_factory) -> Path:
    """A copy of the export whose summary.json each example writes anew."""
    return copied(recorded, tmp_path_factory.mktemp("scratch"))


@settings(max_examples=60, deadline=None)
@given(
    body=st.fixed_dictionaries(
        {}, optional={**dict.fromkeys(SECTIONS, JSON), "mediator": MEDIATOR | JSON, "capacity": CAPACITY | JSON}
    )
)
def test_any_summary_reads_back_or_is_refused_naming_the_file_and_compares_without_a_crash(scratch, body):
    folder = scratch
    (folder / "summary.json").write_text(json.dumps(body))
    try:
        run = load_run(folder)
    except ExportError as error:
        assert "summary.json" in str(error)
        return
    compare([run], [run], replicates=20)


def test_the_throttled_share_is_read_from_the_column_the_export_writes(recorded, tmp_path):
    folder = copied(recorded, tmp_path)
    mediator_csv = folder / "mediator.csv"
    header, *rows = mediator_csv.read_text().splitlines()
    columns = header.split(",")
    percent, seconds = columns.index("throttled_percent"), columns.index("throttled_s")
    throttled = []
    for row in rows:
        cells = row.split(",")
        cells[percent], cells[seconds] = "30.0", "12.5"
        throttled.append(",".join(cells))
    mediator_csv.write_text("\n".join([header, *throttled]) + "\n")
    run = load_run(folder)
    assert run.mediator and {m.throttling for m in run.mediator} == {30.0}
