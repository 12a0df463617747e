"""Writing a run's results: summary.json, CSVs, report.html and charts.txt, each file atomically."""

from .writer import EXPORT_FILES, write_export

__all__ = ["EXPORT_FILES", "write_export"]
