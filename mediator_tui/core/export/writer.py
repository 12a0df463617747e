"""Writing every export file of a run into one directory."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..atomic_file import write_text_atomic
from ..metrics.snapshot import Snapshot
from ..thresholds import ThresholdResult
from . import charts_txt, tables
from .charts import report_charts
from .html import report_html

EXPORT_FILES = ("summary.json", "history.csv", "requests.csv", "failures.csv", "agents.csv", "memory.csv",
                "delivery.csv", "report.html", "charts.txt")


def write_export(directory: str | Path, snapshot: Snapshot, thresholds: list[ThresholdResult] = (),
                 partial: bool = False, redact: Callable[[str], str] = lambda text: text) -> list[Path]:
    """Write all files from one snapshot; `redact` scrubs secrets from each file's text."""
    directory = Path(directory)
    thresholds = list(thresholds)
    summary = tables.summary(snapshot, thresholds, partial)
    contents = {
        "summary.json": tables.summary_json(snapshot, thresholds, partial),
        "history.csv": tables.history_csv(snapshot),
        "requests.csv": tables.requests_csv(snapshot),
        "failures.csv": tables.failures_csv(snapshot),
        "agents.csv": tables.agents_csv(snapshot),
        "memory.csv": tables.memory_csv(snapshot),
        "delivery.csv": tables.delivery_csv(snapshot),
        "report.html": report_html(snapshot, summary),
        "charts.txt": charts_txt.render_all(report_charts(snapshot)),
    }
    written = []
    for name in EXPORT_FILES:
        path = directory / name
        write_text_atomic(path, redact(contents[name]))
        written.append(path)
    return written
