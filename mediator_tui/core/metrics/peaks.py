"""The highest figures of the run: users, agents running, and the memory when the agents peaked."""

from __future__ import annotations

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.core.metrics.memory import MemoryAtPeak


class Peaks:
    def __init__(self) -> None:
        self.users = 0
        self.memory = MemoryAtPeak()

    @property
    def agents(self) -> int:
        return self.memory.agents

    def add(self, users: int, view: AgentsView | None) -> None:
        self.users = max(self.users, users)
        if view is None:
            return
        running, memory = view.total.agents.running, view.total.memory
        if running and running >= self.memory.agents:
            self.memory = MemoryAtPeak(
                agents=running, unique_bytes=memory.unique_bytes, shared_bytes=memory.shared_bytes
            )
