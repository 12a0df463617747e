"""How many more agents the workers can start, and which of their limits binds first.

Memory is only one limit: a worker also runs out of descriptors (RLIMIT_NOFILE), a host of local
ports (each agent's connection to the mediator takes one of the ephemeral range), and a scenario
whose agents listen takes a port of its worker's pool for each. Each limit gives a room from what
the workers report (`mediator_tui.contracts.worker_report.WorkerLimits`); the smallest binds first.
"""

from __future__ import annotations

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.contracts.worker_report import WorkerReport
from mediator_tui.core.metrics.snapshot import RoomLimit


def _open_files(reports: list[WorkerReport]) -> RoomLimit | None:
    known = [r.limits for r in reports if r.limits.nofile and r.limits.files_per_agent]
    if not known:
        return None
    more = sum(
        max(0, limit.nofile - limit.open_files - limit.reserved_files) // limit.files_per_agent for limit in known
    )
    return RoomLimit("open files", more, min(limit.nofile for limit in known), "worker")


def _local_ports(reports: list[WorkerReport]) -> RoomLimit | None:
    hosts: dict[str, list[WorkerReport]] = {}
    for report in reports:
        if report.limits.local_ports and report.limits.ports_per_agent:
            hosts.setdefault(report.host or f"worker {report.worker_id}", []).append(report)
    if not hosts:
        return None
    more = 0
    for workers in hosts.values():  # workers on one host share its range
        size = max(r.limits.local_ports for r in workers)
        used = sum(r.agents.running * r.limits.ports_per_agent for r in workers)
        more += max(0, size - used) // max(r.limits.ports_per_agent for r in workers)
    return RoomLimit("local ports", more, min(max(r.limits.local_ports for r in w) for w in hosts.values()), "host")


def _port_pool(reports: list[WorkerReport]) -> RoomLimit | None:
    # Only agents that listen take a port of the pool: a scenario uses it once one has been taken.
    using = [r.ports for r in reports if r.ports.in_use_max > 0]
    if not using:
        return None
    return RoomLimit("port pool", sum(max(0, p.size - p.in_use) for p in using), min(p.size for p in using), "worker")


def room(view: AgentsView | None, available_bytes: int | None, per_agent_bytes: float | None) -> tuple[RoomLimit, ...]:
    """Every limit known, the one that binds first (fewest more agents) first."""
    if view is None:
        return ()
    reports = [worker.report for worker in view.workers]
    limits = [_open_files(reports), _local_ports(reports), _port_pool(reports)]
    if per_agent_bytes and available_bytes is not None:
        limits.append(RoomLimit("memory", int(available_bytes // per_agent_bytes), available_bytes, "host"))
    return tuple(sorted((limit for limit in limits if limit is not None), key=lambda limit: limit.more_agents))
