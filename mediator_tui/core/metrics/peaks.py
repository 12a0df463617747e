"""The highest figures of the run: users, agents running, the memory when the agents peaked, and the workers'
reports to the master."""

from __future__ import annotations

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.core.metrics.memory import MemoryAtPeak
from mediator_tui.core.metrics.snapshot import ReportSizes


class Peaks:
    def __init__(self) -> None:
        self.users = 0
        self.memory = MemoryAtPeak()
        self.reports = ReportSizes()

    @property
    def agents(self) -> int:
        return self.memory.agents

    def add(self, users: int, view: AgentsView | None) -> None:
        self.users = max(self.users, users)
        if view is None:
            return
        total = view.total
        self.reports = ReportSizes(
            _higher(self.reports.largest_bytes, total.report_bytes_max),
            _higher(self.reports.per_s_bytes, total.report_bytes_sum),
        )
        running, memory = total.agents.running, total.memory
        if running and running >= self.memory.agents:
            self.memory = MemoryAtPeak(
                agents=running, unique_bytes=memory.unique_bytes, shared_bytes=memory.shared_bytes
            )


def _higher(peak: int | None, value: int | None) -> int | None:
    """The higher of the two; an unknown value leaves the peak as it was."""
    return peak if value is None else max(value, peak or 0)
