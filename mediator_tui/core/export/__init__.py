"""Writing a run's results: summary.json, CSVs, report.html and charts.txt, each file atomically."""

from mediator_tui.core.export.writer import EXPORT_FILES, write_export

__all__ = ["EXPORT_FILES", "write_export"]
