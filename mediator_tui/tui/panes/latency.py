"""Latency percentiles over time (aggregated series, per interval)."""

from __future__ import annotations

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import RequestHistoryPane

# How the store obtained the interval percentiles, in the user's words.
_SOURCES = {"histogram": "exact, per second", "window": "Locust's 10 s window", "cumulative": "since the start"}


class LatencyPane(RequestHistoryPane):
    TITLE = "Latency"
    LINES = (("p50", "p50_ms", "green"), ("p95", "p95_ms", "yellow"), ("p99", "p99_ms", "red"))

    def axis_format(self, value: float) -> str:
        return fmt.axis_millis(value)

    def subtitle_part(self, snapshot: Snapshot) -> tuple[str, str]:
        return snapshot.total.percentile_source, snapshot.total.interval_p99_source

    def subtitle(self, sources: tuple[str, str]) -> str:
        source, p99_source = sources
        words = _SOURCES.get(source, source)
        if p99_source != source:  # Locust's window has no p99: say that this one covers the whole run
            words += f"; p99 {_SOURCES.get(p99_source, p99_source)}"
        return words
