"""An export names each host's workers and, for those that went missing, when and why they likely went."""

import csv
import io
import json

from mediator_tui.core.export import EXPORT_FILES, write_export
from tests.support.host_reports import A, B, one_host_lost_to_cpu


def test_summary_and_hosts_csv_give_each_hosts_workers_and_the_missing_ones_with_their_reason(tmp_path):
    snapshot = one_host_lost_to_cpu().store.snapshot()
    write_export(tmp_path, snapshot)
    assert "hosts.csv" in EXPORT_FILES

    hosts = {h["host"]: h for h in json.loads((tmp_path / "summary.json").read_text())["hosts"]}
    assert hosts["load-a"]["workers"] == [f"load-a_{A}", f"load-a_{B}"] and hosts["load-a"]["missing"] == []
    assert hosts["load-a"]["agents"] == 22 and hosts["load-a"]["cpu_percent"] == 70.0
    assert hosts["load-b"]["workers"] == []
    (gone,) = hosts["load-b"]["missing"]
    assert gone["worker_id"] == f"load-b_{A}" and gone["why"] == "CPU near a core"
    assert gone["cpu_percent"] == 98.0 and gone["agents"] == 40
    assert gone["last_report"] < gone["missing_since"]  # ISO times of one zone: they sort as times do

    rows = {r["host"]: r for r in csv.DictReader(io.StringIO((tmp_path / "hosts.csv").read_text()))}
    assert (rows["load-a"]["workers"], rows["load-a"]["missing"], rows["load-a"]["why_missing"]) == ("2", "0", "")
    assert (rows["load-b"]["workers"], rows["load-b"]["missing"]) == ("0", "1")
    assert (
        rows["load-b"]["why_missing"] == "CPU near a core" and rows["load-b"]["missing_since"] == gone["missing_since"]
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["run"]["missing_workers"] == [f"load-b_{A}"] and summary["run"]["workers"] == 2
