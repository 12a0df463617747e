"""Memory figures: per agent, per worker, the host's, and how many more agents would fit.

Host memory is a source like the master: whoever polls samples it (`read_host_memory`)
and feeds it to the store, which never samples anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediator_tui.contracts.agents_view import AgentsView, WorkerView
from mediator_tui.core.metrics.slope import Slope, least_squares_slope
from mediator_tui.core.metrics.snapshot import MemorySnapshot, RoomLimit, WorkerMemory

# Native agents live in the worker, whose growth over its baseline also holds what the first agent
# loads once for all (modules, TLS context, caches): divided by 10 agents that reads 624 KiB each
# where 1,000 agents cost 9-14 KiB. The slope leaves it in the intercept, once the counts of agents
# spread far enough to rise above the allocator's noise.
AGENT_SPREAD = 50
AGENT_COUNTS = 5  # distinct counts of agents running, each sampled at least once
TOTAL = ""  # the key of all workers together in AgentMemoryFit


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


class AgentMemoryFit:
    """Memory per agent, the one place it is computed: unique memory against agents running, sampled
    while the test runs (the store feeds it then only), in total and per worker.

    Where every agent is a process of its own whose memory is summed (credo), unique bytes are the
    agents' own and their ratio to the agents is exact at any count; otherwise (native) the figure is
    the least-squares slope over the mean memory at each count of agents seen."""

    def __init__(self) -> None:
        self._sums: dict[str, dict[int, tuple[float, int]]] = {}
        self._own: dict[str, float] = {}  # the last exact ratio, where agents are their own processes

    def add(self, view: AgentsView) -> None:
        memory = view.total.memory
        self._add(TOTAL, view.total.agents.running, memory.unique_bytes, memory.agent_processes)
        for worker in view.workers:
            report = worker.report
            self._add(
                report.worker_id, report.agents.running, report.memory.unique_bytes, report.memory.agent_processes
            )

    def _add(self, key: str, agents: int, unique_bytes: int, agent_processes: int) -> None:
        if agents <= 0:
            return
        if agent_processes >= agents:
            self._own[key] = unique_bytes / agents
        sums = self._sums.setdefault(key, {})
        total, samples = sums.get(agents, (0.0, 0))
        sums[agents] = (total + unique_bytes, samples + 1)

    def per_agent(self, key: str = TOTAL) -> Slope:
        if key in self._own:
            return Slope(self._own[key])
        means = ((agents, total / samples) for agents, (total, samples) in self._sums.get(key, {}).items())
        return least_squares_slope(means, min_points=AGENT_COUNTS, min_spread=AGENT_SPREAD, unit="agents")


def worker_memory(worker: WorkerView, fit: AgentMemoryFit) -> WorkerMemory:
    report, memory = worker.report, worker.report.memory
    return WorkerMemory(
        worker_id=report.worker_id,
        engine=report.engine,
        agents=report.agents.running,
        agent_processes=memory.agent_processes,
        worker_rss_bytes=memory.worker_rss_bytes,
        worker_uss_bytes=memory.worker_uss_bytes,
        unique_bytes=memory.unique_bytes,
        shared_bytes=memory.shared_bytes,
        pss_bytes=memory.pss_bytes,
        per_agent_unique_bytes=fit.per_agent(report.worker_id).value,
        stale=worker.stale,
    )


@dataclass(frozen=True)
class MemoryAtPeak:
    """The memory total when the most agents were running (after a stop the live figures fall to zero)."""

    agents: int = 0
    unique_bytes: int = 0
    shared_bytes: int = 0


def memory_snapshot(
    view: AgentsView | None,
    host: HostMemory | None,
    peak: MemoryAtPeak,
    fit: AgentMemoryFit,
    room: tuple[RoomLimit, ...],
) -> MemorySnapshot:
    host_total = host.total_bytes if host else None
    host_available = host.available_bytes if host else None
    if view is None:
        return MemorySnapshot(known=False, host_total_bytes=host_total, host_available_bytes=host_available)
    each = fit.per_agent()
    memory = view.total.memory
    return MemorySnapshot(
        known=True,
        agents=memory.agents,
        unique_bytes=memory.unique_bytes,
        shared_bytes=memory.shared_bytes,
        worker_rss_bytes=memory.worker_rss_bytes,
        pss_bytes=memory.pss_bytes,
        per_agent_unique_bytes=each.value,
        per_agent_unknown_because=each.reason,
        per_worker=tuple(worker_memory(w, fit) for w in view.workers),
        host_total_bytes=host_total,
        host_available_bytes=host_available,
        projected_more_agents=room[0].more_agents if room else None,
        room=room,
        peak_agents=peak.agents,
        peak_unique_bytes=peak.unique_bytes,
        peak_shared_bytes=peak.shared_bytes,
    )
