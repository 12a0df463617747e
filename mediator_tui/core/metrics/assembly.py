"""The parts of a snapshot that are built from what the store keeps (no figure is read from a payload here)."""

from __future__ import annotations

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.core.metrics.agents_target import AgentsTarget
from mediator_tui.core.metrics.crashes import CrashLog
from mediator_tui.core.metrics.peaks import Peaks
from mediator_tui.core.metrics.ports import PortsTrend
from mediator_tui.core.metrics.snapshot import AgentsSnapshot, PortsSnapshot, ResourcePoint, WorkerHarness


def agents_snapshot(
    view: AgentsView | None, crashes: CrashLog, peaks: Peaks, target: AgentsTarget, target_users: int
) -> AgentsSnapshot:
    if view is None:
        return AgentsSnapshot(known=False, target=target.of(target_users))
    counts = view.total.agents
    return AgentsSnapshot(
        known=True,
        running=counts.running,
        target=target.of(target_users),
        per_user=target.per_user,
        started=counts.started,
        crashed=counts.crashed,
        restarted=counts.restarted,
        start_failures=counts.start_failures,
        reconnects=counts.reconnects,
        recent_crashes=crashes.recent(),
        crash_log=crashes.all(),
        peak_running=peaks.agents,
    )


def ports_snapshot(view: AgentsView | None, trend: PortsTrend) -> PortsSnapshot:
    ports = view.total.ports if view is not None else None
    if ports is None:
        return PortsSnapshot(known=False)
    return PortsSnapshot(
        known=True,
        size=ports.size,
        in_use=ports.in_use,
        in_use_max=ports.in_use_max,
        refused=ports.refused,
        trend_per_s=trend.per_s(),
    )


def resource_point(t: float, users: int, view: AgentsView | None) -> ResourcePoint:
    if view is None:
        return ResourcePoint(
            t=t,
            users=users,
            agents_running=None,
            agents_crashed=None,
            ports_in_use=None,
            unique_bytes=None,
            shared_bytes=None,
        )
    total = view.total
    return ResourcePoint(
        t=t,
        users=users,
        agents_running=total.agents.running,
        agents_crashed=total.agents.crashed,
        agents_reconnects=total.agents.reconnects,
        ports_in_use=total.ports.in_use if total.ports is not None else None,
        unique_bytes=total.memory.unique_bytes,
        shared_bytes=total.memory.shared_bytes,
        report_bytes_max=total.report_bytes_max,
        report_bytes_per_s=total.report_bytes_sum,
    )


def workers_harness(view: AgentsView | None) -> tuple[WorkerHarness, ...]:
    if view is None:
        return ()
    return tuple(
        WorkerHarness(
            w.report.worker_id, w.report.ts, w.report.cpu_seconds, w.report.agents.running, w.report.limits.max_agents
        )
        for w in view.workers
    )
