"""Writing every export file of a run into one directory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from mediator_tui.core.atomic_file import write_text_atomic
from mediator_tui.core.capacity.outcome import CapacityOutcome
from mediator_tui.core.export import charts_txt, tables
from mediator_tui.core.export.capacity import CAPACITY_FILE, capacity_charts, capacity_csv, capacity_section
from mediator_tui.core.export.charts import report_charts
from mediator_tui.core.export.hosts import HOSTS_FILE, hosts_csv, hosts_fields, workers_fields
from mediator_tui.core.export.html import report_html
from mediator_tui.core.export.logs import write_logs
from mediator_tui.core.export.mediator_table import mediator_csv
from mediator_tui.core.export.onboarding import ONBOARDING_FILE, onboarding_csv, onboarding_fields
from mediator_tui.core.export.run_facts import HISTOGRAMS_FILE, histograms_json, host_facts
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.metrics.storm import StormOutcome, storm_csv
from mediator_tui.core.thresholds import ThresholdResult

EXPORT_FILES = (
    "summary.json",
    "history.csv",
    "requests.csv",
    "failures.csv",
    "agents.csv",
    "memory.csv",
    "mediator.csv",
    "delivery.csv",
    ONBOARDING_FILE,
    HOSTS_FILE,
    "report.html",
    "charts.txt",
    HISTOGRAMS_FILE,
)


def write_export(
    directory: str | Path,
    snapshot: Snapshot,
    thresholds: Iterable[ThresholdResult] = (),
    partial: bool = False,
    redact: Callable[[str], str] = lambda text: text,
    capacity: CapacityOutcome | None = None,
    settings: Mapping[str, object] | None = None,
    logs: Iterable[tuple[str, Path]] = (),
    storm: StormOutcome | None = None,
) -> list[Path]:
    """Write all files from one snapshot; `redact` scrubs secrets from each file's text. With a capacity
    search, also capacity.csv, summary.json's `capacity` section and its part of the report; with a reconnect
    storm, storm.csv and summary.json's `storm` section. `settings` (run_facts.run_settings) and this host's
    facts go into summary.json for a later comparison; with `logs` (source, path) the run registered, the end
    of each into `logs/` (`export/logs.py`)."""
    directory = Path(directory)
    thresholds = list(thresholds)
    sections: dict[str, Any] = {
        "settings": dict(settings or {}),
        "host": host_facts(),
        "onboarding": onboarding_fields(snapshot),
        "hosts": hosts_fields(snapshot),
        "workers": workers_fields(snapshot),
    }
    optional_files: dict[str, str] = {}
    charts = report_charts(snapshot)
    if capacity is not None:
        sections["capacity"] = capacity_section(capacity)
        optional_files[CAPACITY_FILE] = capacity_csv(capacity)
        charts[:0] = capacity_charts(sections["capacity"])
    if storm is not None:
        sections["storm"] = storm.to_json()
        optional_files["storm.csv"] = storm_csv(storm)
    summary = {**tables.summary(snapshot, thresholds, partial), **sections}
    contents = {
        "summary.json": tables.summary_json(summary),
        "history.csv": tables.history_csv(snapshot),
        "requests.csv": tables.requests_csv(snapshot),
        "failures.csv": tables.failures_csv(snapshot),
        "agents.csv": tables.agents_csv(snapshot),
        "memory.csv": tables.memory_csv(snapshot),
        "mediator.csv": mediator_csv(snapshot),
        "delivery.csv": tables.delivery_csv(snapshot),
        ONBOARDING_FILE: onboarding_csv(snapshot),
        HOSTS_FILE: hosts_csv(snapshot),
        "report.html": report_html(snapshot, summary),
        "charts.txt": charts_txt.render_all(charts),
        HISTOGRAMS_FILE: histograms_json(snapshot),
        **optional_files,
    }
    written = []
    for name in (*EXPORT_FILES, *optional_files):
        path = directory / name
        write_text_atomic(path, redact(contents[name]))
        written.append(path)
    return written + write_logs(directory, logs, redact)
