"""Agent metrics of the contract in `.coord/agent-metrics.md`: a worker's counters and the master's aggregate.

No Locust import: the worker side is plain counters the base user updates, the
master side a pure function of the latest report of each worker, so both are tested
without a cluster.

Counters are absolute per worker. A stats reset on the master keeps each worker's
counters at that moment as a baseline and shows the difference, drops crashes from
before the reset and restarts the port peak from the ports in use then, so every
figure on the route reads "since the last reset" (per worker and in the total).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

COUNTERS = ("running", "started", "crashed", "restarted", "start_failures", "reconnects")
# `running` is a gauge: a reset does not change how many agents are up.
MONOTONIC = COUNTERS[1:]
MAX_CRASHES = 20
STALE_AFTER_S = 10.0
STDERR_TAIL_CHARS = 2000


@dataclass
class WorkerAgentCounters:
    """What one worker's users did with their agents; updated by the base user."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    crashes: deque = field(default_factory=lambda: deque(maxlen=MAX_CRASHES))
    # Reconnects of agents already gone, so the counter never goes down when one is replaced.
    reconnects_of_gone_agents: int = 0

    def agent_started(self, restart: bool) -> None:
        self.counts["started"] += 1
        self.counts["running"] += 1
        if restart:
            self.counts["restarted"] += 1

    def agent_start_failed(self) -> None:
        self.counts["start_failures"] += 1

    def agent_gone(self, reconnects: int, crash: dict | None = None) -> None:
        """An agent stopped, on purpose or not; `crash` (user, reason, stderr_tail) when not."""
        self.counts["running"] -= 1
        self.reconnects_of_gone_agents += reconnects
        if crash is not None:
            self.counts["crashed"] += 1
            self.crashes.append({
                "ts": time.time(),
                "user": crash.get("user", ""),
                "reason": crash.get("reason", ""),
                "stderr_tail": (crash.get("stderr_tail") or "")[-STDERR_TAIL_CHARS:],
            })

    def agents_snapshot(self, live_reconnects: int) -> dict:
        counts = dict(self.counts)
        counts["reconnects"] = self.reconnects_of_gone_agents + live_reconnects
        return counts


@dataclass
class Baseline:
    """A worker's figures at the last reset."""

    at: float
    agents: dict
    refused: int
    in_use: int
    in_use_max: int


class AgentMetricsBoard:
    """The master's view: the latest report per worker and the baselines of the last reset."""

    def __init__(self) -> None:
        self.reports: dict[str, dict] = {}
        self.received_at: dict[str, float] = {}
        self.baselines: dict[str, Baseline] = {}
        self.reset_at = 0.0
        # Highest `in_use` seen since the reset, per worker: a peak the worker reached before
        # the reset must not show afterwards.
        self.peaks: dict[str, int] = {}

    def receive(self, report: dict, now: float | None = None) -> None:
        worker = str(report.get("worker_id", ""))
        if not worker:
            return
        now = time.time() if now is None else now
        self.reports[worker] = report
        self.received_at[worker] = now
        ports = report.get("ports") or {}
        self.peaks[worker] = max(self.peaks.get(worker, 0), int(ports.get("in_use", 0)))
        if self.reset_at and worker not in self.baselines:
            # First report after a reset from a worker that had none before: it started counting after it.
            self.baselines[worker] = Baseline(self.reset_at, dict.fromkeys(MONOTONIC, 0), 0,
                                              int(ports.get("in_use", 0)), int(ports.get("in_use_max", 0)))

    def reset(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.reset_at = now
        self.baselines = {}
        for worker, report in self.reports.items():
            ports = report.get("ports") or {}
            self.baselines[worker] = Baseline(
                now, {k: int((report.get("agents") or {}).get(k, 0)) for k in MONOTONIC},
                int(ports.get("refused", 0)), int(ports.get("in_use", 0)), int(ports.get("in_use_max", 0)))
            self.peaks[worker] = int(ports.get("in_use", 0))

    def view(self, now: float | None = None, engine: str = "") -> dict:
        now = time.time() if now is None else now
        since_reset = {worker: self._since_reset(worker, report) for worker, report in self.reports.items()}
        ages = {worker: now - self.received_at[worker] for worker in self.reports}
        return aggregate(since_reset, ages, now, engine)

    def _since_reset(self, worker: str, report: dict) -> dict:
        base = self.baselines.get(worker)
        if base is None:
            return report
        shown = dict(report)
        agents = dict(report.get("agents") or {})
        for key in MONOTONIC:
            agents[key] = max(0, int(agents.get(key, 0)) - base.agents.get(key, 0))
        shown["agents"] = agents
        ports = dict(report.get("ports") or {})
        ports["refused"] = max(0, int(ports.get("refused", 0)) - base.refused)
        # A worker's own peak counts only once it rises above the peak it had at the reset.
        own_peak = int(ports.get("in_use_max", 0))
        ports["in_use_max"] = max(self.peaks.get(worker, 0), own_peak if own_peak > base.in_use_max else 0)
        shown["ports"] = ports
        shown["crashes"] = [c for c in report.get("crashes") or [] if c.get("ts", 0) >= base.at]
        return shown


def aggregate(reports: dict[str, dict], ages: dict[str, float], now: float, engine: str = "") -> dict:
    """The route's body from the (since-reset) latest report of each worker."""
    workers = {}
    for worker, report in reports.items():
        age = ages.get(worker, 0.0)
        workers[worker] = {**report, "age_s": round(age, 3), "stale": age > STALE_AFTER_S}
    engines = sorted({r.get("engine", "") for r in reports.values()} - {""})
    agents = {key: sum(int((r.get("agents") or {}).get(key, 0)) for r in reports.values()) for key in COUNTERS}
    crashes = sorted((dict(c, worker_id=w) for w, r in reports.items() for c in r.get("crashes") or []),
                     key=lambda c: c.get("ts", 0))[-MAX_CRASHES:]
    ports = {key: sum(int((r.get("ports") or {}).get(key, 0)) for r in reports.values())
             for key in ("size", "in_use", "in_use_max", "refused")}
    return {
        "ts": now,
        "workers": workers,
        "total": {
            "engine": ",".join(engines) or engine,
            "agents": agents,
            "crashes": crashes,
            "ports": ports,
            "memory": _memory_total(list(reports.values()), agents["running"]),
        },
    }


def _memory_total(reports: list[dict], running: int) -> dict:
    memories = [r.get("memory") or {} for r in reports]

    def total(key: str) -> int:
        return sum(int(m.get(key) or 0) for m in memories)

    pss = [m.get("pss_bytes") for m in memories]
    unique = total("unique_bytes")
    return {
        "worker_rss_bytes": total("worker_rss_bytes"),
        "unique_bytes": unique,
        "shared_bytes": total("shared_bytes"),
        "agent_processes": total("agent_processes"),
        "pss_bytes": sum(pss) if pss and all(p is not None for p in pss) else None,
        "agents": running,
        "per_agent_unique_bytes": unique // running if running > 0 else None,
    }
