"""Agent metrics: a worker's counters and the master's board of the latest report of each worker.

No Locust import: the worker side is plain counters the base user updates, the
master side a pure function of the latest report of each worker, so both are tested
without a cluster. What they exchange is written in `mediator_tui.contracts`.

Counters are absolute per worker. A stats reset on the master keeps each worker's
counters at that moment as a baseline and shows the difference, drops crashes from
before the reset and restarts the port peak from the ports in use then, so every
figure on the route reads "since the last reset" (per worker and in the total).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from mediator_tui.contracts.agents_view import STALE_AFTER_S, AgentsTotal, AgentsView, MemoryTotal, WorkerView
from mediator_tui.contracts.version import VersionMismatch
from mediator_tui.contracts.worker_report import (
    MAX_CRASHES,
    STDERR_TAIL_CHARS,
    AgentCounts,
    AgentCrash,
    DeliveryCounts,
    DeliveryReport,
    PortsUse,
    WorkerReport,
)
from mediator_tui.core.metrics.percentiles import subtract as subtract_buckets

log = logging.getLogger(__name__)


@dataclass
class WorkerAgentCounters:
    """What one worker's users did with their agents; updated by the base user."""

    counts: AgentCounts = AgentCounts()
    crashes: deque[AgentCrash] = field(default_factory=lambda: deque(maxlen=MAX_CRASHES))
    # Reconnects of agents already gone, so the counter never goes down when one is replaced.
    reconnects_of_gone_agents: int = 0

    def _add(self, **steps: int) -> None:
        self.counts = dataclasses.replace(
            self.counts, **{name: getattr(self.counts, name) + step for name, step in steps.items()}
        )

    def agent_started(self, restart: bool) -> None:
        self._add(started=1, running=1, restarted=int(restart))

    def slots_held(self, change: int) -> None:
        """A user began (positive) or ended (negative) holding `abs(change)` agent slots."""
        self._add(slots=change)

    def agent_start_failed(self) -> None:
        self._add(start_failures=1)

    def agent_gone(self, reconnects: int, crash: dict | None = None) -> None:
        """An agent stopped, on purpose or not; `crash` (user, reason, stderr_tail) when not."""
        self._add(running=-1)
        self.reconnects_of_gone_agents += reconnects
        if crash is not None:
            self._add(crashed=1)
            self.crashes.append(
                AgentCrash(
                    ts=time.time(),
                    user=crash.get("user", ""),
                    reason=crash.get("reason", ""),
                    stderr_tail=(crash.get("stderr_tail") or "")[-STDERR_TAIL_CHARS:],
                )
            )

    def agents_snapshot(self, live_reconnects: int) -> AgentCounts:
        return dataclasses.replace(self.counts, reconnects=self.reconnects_of_gone_agents + live_reconnects)


@dataclass
class Baseline:
    """A worker's figures at the last reset."""

    at: float
    agents: AgentCounts
    refused: int
    in_use: int
    in_use_max: int
    delivery: DeliveryReport = DeliveryReport()


class AgentMetricsBoard:
    """The master's view: the latest report per worker and the baselines of the last reset."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock`: what a report's age (a worker is stale past STALE_AFTER_S) is measured with; wall-clock
        time (a reset's, a view's) is only a label, and is compared with the workers' own crash times."""
        self._clock = clock
        self.reports: dict[str, WorkerReport] = {}
        self.received_at: dict[str, float] = {}  # by `clock`
        self.baselines: dict[str, Baseline] = {}
        self.refused: dict[str, str] = {}  # worker -> why its last report was refused
        self.report_bytes: dict[str, int] = {}  # worker -> the size of the message its last report came in
        self.reset_at = 0.0
        # Highest `in_use` seen since the reset, per worker: a peak the worker reached before
        # the reset must not show afterwards.
        self.peaks: dict[str, int] = {}

    def receive_json(self, worker: str, raw, report_bytes: int | None = None) -> None:
        """A report as it came over the wire, in a message of `report_bytes` (`report_size.py`); one of another
        release is refused, and the view says so."""
        try:
            report = WorkerReport.from_json(raw)
        except VersionMismatch as error:
            if self.refused.get(worker) != str(error):
                log.warning("%s", error)
            self.refused[worker] = str(error)
            return
        self.refused.pop(worker, None)
        self.receive(report, report_bytes)

    def receive(self, report: WorkerReport, report_bytes: int | None = None) -> None:
        worker = report.worker_id
        if not worker:
            return
        self.reports[worker] = report
        if report_bytes is None:
            self.report_bytes.pop(worker, None)
        else:
            self.report_bytes[worker] = report_bytes
        self.received_at[worker] = self._clock()
        self.peaks[worker] = max(self.peaks.get(worker, 0), report.ports.in_use)
        if self.reset_at and worker not in self.baselines:
            # First report after a reset from a worker that had none before: it started counting after it.
            self.baselines[worker] = Baseline(
                self.reset_at, AgentCounts(), 0, report.ports.in_use, report.ports.in_use_max
            )

    def reset(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.reset_at = now
        self.baselines = {}
        for worker, report in self.reports.items():
            ports = report.ports
            self.baselines[worker] = Baseline(
                now, report.agents, ports.refused, ports.in_use, ports.in_use_max, _delivery_baseline(report.delivery)
            )
            self.peaks[worker] = ports.in_use

    def view(self, now: float | None = None, engine: str = "") -> AgentsView:
        now = time.time() if now is None else now
        since_reset = {worker: self._since_reset(worker, report) for worker, report in self.reports.items()}
        received = self._clock()
        ages = {worker: received - self.received_at[worker] for worker in self.reports}
        return aggregate(since_reset, ages, now, engine, tuple(self.refused.values()), self.report_bytes)

    def _since_reset(self, worker: str, report: WorkerReport) -> WorkerReport:
        base = self.baselines.get(worker)
        if base is None:
            return report
        agents = dataclasses.replace(
            report.agents,
            **{key: max(0, getattr(report.agents, key) - getattr(base.agents, key)) for key in AgentCounts.MONOTONIC},
        )
        # A worker's own peak counts only once it rises above the peak it had at the reset.
        own_peak = report.ports.in_use_max
        ports = dataclasses.replace(
            report.ports,
            refused=max(0, report.ports.refused - base.refused),
            in_use_max=max(self.peaks.get(worker, 0), own_peak if own_peak > base.in_use_max else 0),
        )
        crashes = tuple(c for c in report.crashes if c.ts >= base.at)
        return dataclasses.replace(
            report,
            agents=agents,
            ports=ports,
            crashes=crashes,
            delivery=_delivery_since(report.delivery, base.delivery),
        )


def _delivery_baseline(delivery: DeliveryReport) -> DeliveryReport:
    """What a reset subtracts: messages in flight at the reset count as sent after it, since their
    outcome (delivered or lost) falls after it; so sent = delivered + lost + in_flight still holds."""
    counts = delivery.counts
    return dataclasses.replace(delivery, counts=dataclasses.replace(counts, sent=counts.sent - counts.in_flight))


def _delivery_since(delivery: DeliveryReport, base: DeliveryReport) -> DeliveryReport:
    counts = dataclasses.replace(
        delivery.counts,
        **{key: max(0, getattr(delivery.counts, key) - getattr(base.counts, key)) for key in DeliveryCounts.MONOTONIC},
    )
    return DeliveryReport(counts=counts, latency_ms=subtract_buckets(delivery.latency_ms, base.latency_ms))


def shared_once_per_host(reports: dict[str, WorkerReport]) -> int:
    """Shared memory (the node binary and libraries of credo agents) is one copy per host: the largest
    figure of the workers on a host, summed over hosts; a worker of unknown host is a host of its own."""
    per_host: dict[str, int] = {}
    for worker, report in reports.items():
        host = report.host or f"worker {worker}"
        per_host[host] = max(per_host.get(host, 0), report.memory.shared_bytes)
    return sum(per_host.values())


def aggregate(
    reports: dict[str, WorkerReport],
    ages: dict[str, float],
    now: float,
    engine: str = "",
    refused: tuple[str, ...] = (),
    report_bytes: dict[str, int] | None = None,
) -> AgentsView:
    """The route's body from the (since-reset) latest report of each worker and the size of the message each
    came in (`report_bytes`, by worker: those not measured are unknown)."""
    sizes = report_bytes or {}
    workers = tuple(
        WorkerView(report, ages.get(worker, 0.0), ages.get(worker, 0.0) > STALE_AFTER_S, sizes.get(worker))
        for worker, report in sorted(reports.items())
    )
    # A stale worker sends nothing now: its last report is not part of what the master reads each second.
    reporting = [w.report_bytes for w in workers if not w.stale and w.report_bytes is not None]
    engines = sorted({r.engine for r in reports.values()} - {""})
    agents = sum((r.agents for r in reports.values()), AgentCounts())
    crashes = sorted(
        (dataclasses.replace(c, worker_id=w) for w, r in reports.items() for c in r.crashes), key=lambda c: c.ts
    )[-MAX_CRASHES:]
    ports = sum((r.ports for r in reports.values()), PortsUse())
    delivery = sum((r.delivery for r in reports.values()), DeliveryReport())
    memories = [r.memory for r in reports.values()]
    pss = [m.pss_bytes for m in memories]
    memory = MemoryTotal(
        worker_rss_bytes=sum(m.worker_rss_bytes for m in memories),
        unique_bytes=sum(m.unique_bytes for m in memories),
        shared_bytes=shared_once_per_host(reports),
        agent_processes=sum(m.agent_processes for m in memories),
        pss_bytes=sum(p for p in pss if p is not None) if pss and None not in pss else None,
        agents=agents.running,
    )
    return AgentsView(
        ts=now,
        workers=workers,
        refused=refused,
        total=AgentsTotal(
            engine=",".join(engines) or engine,
            agents=agents,
            crashes=tuple(crashes),
            ports=ports,
            memory=memory,
            delivery=delivery,
            report_bytes_max=max(reporting, default=None),
            report_bytes_sum=sum(reporting) if reporting else None,
        ),
    )
