"""Memory a worker spends on its agents, as `mediator_tui.contracts.worker_report.WorkerMemoryUse`
defines it per engine."""

from __future__ import annotations

import dataclasses
import time

import psutil

from mediator_tui.contracts.worker_report import WorkerMemoryUse
from mediator_tui.locust_support.process_memory import read_totals, unique_set

# Reading a process's smaps costs about 2 ms: with hundreds of Node agents a reading every
# second would stall the worker's users. Agent processes are read again only after
# this many times the last reading's duration, so reading takes at most ~5 % of the time.
READ_BUDGET_FACTOR = 20
READ_INTERVAL_MIN_S = 1.0


class MemoryProbe:
    def __init__(self, engine: str):
        self.engine = engine
        self.process = psutil.Process()
        self.baseline = self._unique()[0]
        self._agents: dict = {}
        self._agents_due = 0.0

    def _unique(self) -> tuple[int, int | None, int | None]:
        """(USS or, where it cannot be read, RSS; USS; PSS) of this process."""
        uss, pss = unique_set(self.process)
        return (self.process.memory_info().rss if uss is None else uss), uss, pss

    def sample(self, agent_pids: list[int]) -> WorkerMemoryUse:
        rss = self.process.memory_info().rss
        unique, uss, pss = self._unique()
        report = WorkerMemoryUse(
            worker_rss_bytes=rss,
            worker_uss_bytes=uss,
            agent_processes=0,
            unique_bytes=max(0, unique - self.baseline),
            shared_bytes=0,
            pss_bytes=pss,
        )
        if self.engine == "credo":
            report = dataclasses.replace(report, **self._agent_processes(agent_pids))
        return report

    def _agent_processes(self, pids: list[int]) -> dict:
        now = time.monotonic()
        if now >= self._agents_due:
            self._agents = self._read_agents(pids)
            self._agents_due = now + max(READ_INTERVAL_MIN_S, (time.monotonic() - now) * READ_BUDGET_FACTOR)
        return self._agents

    @staticmethod
    def _read_agents(pids: list[int]) -> dict:
        totals = read_totals(pids)
        return {
            "agent_processes": totals.processes,
            "unique_bytes": totals.unique_bytes,
            "shared_bytes": totals.shared_bytes,
            "pss_bytes": totals.pss_bytes,
        }
