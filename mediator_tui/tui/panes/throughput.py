"""Requests per second and failures per second over time (aggregated series)."""

from __future__ import annotations

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import RequestHistoryPane


class ThroughputPane(RequestHistoryPane):
    TITLE = "Requests/s"
    LINES = (("req/s", "rps", "green"), ("fail/s", "fail_per_s", "red"))

    def subtitle_part(self, snapshot: Snapshot) -> tuple[int, int]:
        return snapshot.total.count, snapshot.total.failures

    def subtitle(self, part: tuple[int, int]) -> str:
        total, failures = part
        return f"{fmt.count(total)} requests · {fmt.count(failures)} failed"
