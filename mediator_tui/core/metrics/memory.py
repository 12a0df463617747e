"""Memory figures: per agent, per worker, the host's, and how many more agents would fit.

Host memory is a source like the master: whoever polls samples it (`read_host_memory`)
and feeds it to the store, which never samples anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...contracts.agents_view import AgentsView, WorkerView
from .snapshot import MemorySnapshot, WorkerMemory


@dataclass(frozen=True)
class HostMemory:
    total_bytes: int
    available_bytes: int


def read_host_memory() -> HostMemory | None:
    """This host's memory now; None where psutil cannot tell."""
    try:
        import psutil

        vm = psutil.virtual_memory()
    except (ImportError, OSError, RuntimeError):
        return None
    return HostMemory(total_bytes=int(vm.total), available_bytes=int(vm.available))


def per_agent(unique_bytes: int, agents: int) -> float | None:
    """Unique bytes per agent running: the one place this figure is computed."""
    return unique_bytes / agents if agents else None


def worker_memory(worker: WorkerView) -> WorkerMemory:
    report, memory = worker.report, worker.report.memory
    return WorkerMemory(
        worker_id=report.worker_id, engine=report.engine, agents=report.agents.running,
        agent_processes=memory.agent_processes, worker_rss_bytes=memory.worker_rss_bytes,
        worker_uss_bytes=memory.worker_uss_bytes, unique_bytes=memory.unique_bytes,
        shared_bytes=memory.shared_bytes, pss_bytes=memory.pss_bytes,
        per_agent_unique_bytes=per_agent(memory.unique_bytes, report.agents.running), stale=worker.stale)


@dataclass(frozen=True)
class MemoryAtPeak:
    """The memory total when the most agents were running (after a stop the live figures fall to zero)."""

    agents: int = 0
    unique_bytes: int = 0
    shared_bytes: int = 0


def memory_snapshot(view: AgentsView | None, host: HostMemory | None, peak: MemoryAtPeak) -> MemorySnapshot:
    host_total = host.total_bytes if host else None
    host_available = host.available_bytes if host else None
    if view is None:
        return MemorySnapshot(known=False, host_total_bytes=host_total, host_available_bytes=host_available)
    memory = view.total.memory
    each = per_agent(memory.unique_bytes, memory.agents)
    projected = int(host_available // each) if each and host_available is not None else None
    return MemorySnapshot(
        known=True, agents=memory.agents, unique_bytes=memory.unique_bytes, shared_bytes=memory.shared_bytes,
        worker_rss_bytes=memory.worker_rss_bytes, pss_bytes=memory.pss_bytes, per_agent_unique_bytes=each,
        per_worker=tuple(worker_memory(w) for w in view.workers), host_total_bytes=host_total,
        host_available_bytes=host_available, projected_more_agents=projected,
        peak_agents=peak.agents, peak_unique_bytes=peak.unique_bytes, peak_shared_bytes=peak.shared_bytes,
        peak_per_agent_unique_bytes=per_agent(peak.unique_bytes, peak.agents),
    )
