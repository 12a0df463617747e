"""`mediator-tui compare`: its table, its files and its exit codes."""

from __future__ import annotations

import json

import pytest

from mediator_tui.commands.cli import main
from tests.support.compare_runs import export_recorded


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return {
        "base": export_recorded(root / "base"),
        "again": export_recorded(root / "again"),
        "slower": export_recorded(root / "slower", factor=4.0),
        "other_waits": export_recorded(root / "other_waits", LOCUST_MAX_WAIT=9.0),
        "older_release": older_release(export_recorded(root / "older_release")),
    }


def older_release(folder):
    """The export as a release that did not record the cores the mediator may use wrote it."""
    summary = json.loads((folder / "summary.json").read_text())
    for key in ("cpu_cores_allowed", "cpu_cores_allowed_from"):
        del summary["mediator"][key]
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


# Fewer resamples than the default 2,000: each verdict asserted here is as clear at 400 (the same run twice:
# no change at all; the slower run: four times the latency).
def compare(*args):
    return main(["compare", "--replicates", "400", *map(str, args)])


def test_the_same_run_twice_is_the_same_within_noise_and_exits_0(runs, tmp_path, capsys):
    code = compare(runs["base"], runs["again"], "--output", tmp_path, "--fail-on", "p95(ping_mediator)>+10%")
    out = capsys.readouterr().out
    assert code == 0
    assert "requests: didcomm ping_mediator" in out and "mediator CPU per request" in out
    body = json.loads((tmp_path / "compare.json").read_text())
    assert body["comparable"] and body["exit_status"] == 0
    verdicts = {f["verdict"] for r in body["requests"] for f in r["figures"]} | {f["verdict"] for f in body["mediator"]}
    assert verdicts == {"same within noise"}
    html = (tmp_path / "compare.html").read_text()
    assert "<svg" in html and "<script" not in html and "latency distribution" in html


def test_a_slower_candidate_fails_its_gate_with_exit_3_and_the_table_says_worse(runs, capsys):
    assert compare(runs["base"], runs["slower"], "--fail-on", "p95(ping_mediator)>+10%") == 3
    out = capsys.readouterr().out
    ping = out[out.index("requests: didcomm ping_mediator") :]
    assert "worse" in ping.splitlines()[3]  # the p95 row
    assert "p95(ping_mediator)>+10%: FAILED" in out
    # Without a gate the verdicts are shown and the exit is 0.
    assert compare(runs["base"], runs["slower"]) == 0


def test_runs_of_different_waits_exit_2_naming_the_setting(runs, tmp_path, capsys):
    assert compare(runs["base"], runs["other_waits"], "--output", tmp_path, "--fail-on", "p95>+10%") == 2
    captured = capsys.readouterr()
    assert "different longest wait (LOCUST_MAX_WAIT): 0.5" in captured.out
    assert "not comparable" in captured.err
    assert json.loads((tmp_path / "compare.json").read_text())["refused"]


def test_repeated_runs_are_compared_as_groups(runs, capsys):
    assert compare("--base", runs["base"], runs["again"], "--candidate", runs["slower"], runs["slower"]) == 0
    assert "base:      " + f"{runs['base']}, {runs['again']}" in capsys.readouterr().out


def test_an_export_of_an_older_release_compares_with_the_cpu_share_not_available(runs, capsys):
    gate = "mediator_cpu_allowance_per_request>+50%"
    assert compare(runs["older_release"], runs["again"], "--fail-on", gate) == 3
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line for line in out.splitlines()}
    assert rows["mediator CPU per request"].endswith("same within noise")
    assert "not comparable (not available in " in rows["mediator CPU allowance per request"]
    assert f"{gate}: FAILED - not comparable: not available in {runs['older_release']}: its export" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["only-one"], "give two export folders"),
        (["a", "b", "--base", "c"], "not both"),
        (["--base", "a"], "--candidate"),
        (["{base}", "{again}", "--fail-on", "p95==3"], "which way a change fails"),
        (["{base}", "{again}", "--noise-floor", "lots"], "--noise-floor 'lots'"),
        (["{base}", "{again}", "--replicates", "50"], "--replicates '50': must be at least 100"),
        (["{base}", "{again}", "--replicates", "many"], "--replicates 'many': write a whole number"),
        (["{base}", "{missing}"], "summary.json: missing"),
    ],
)
def test_usage_errors_and_unreadable_exports_exit_2_with_a_clear_message(runs, tmp_path, capsys, args, says):
    names = {**{k: str(v) for k, v in runs.items()}, "missing": str(tmp_path)}
    assert compare(*(a.format(**names) for a in args)) == 2
    assert says in capsys.readouterr().err


def test_the_help_names_the_forms_the_gates_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as ended:
        main(["compare", "--help"])
    assert ended.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--base FOLDER" in shown and "'p95(ping_mediator)>+10%'" in shown and "(default 10%" in shown
    assert "Exit 0: no gate failed; 3: a --fail-on gate failed beyond the noise; 2:" in shown
