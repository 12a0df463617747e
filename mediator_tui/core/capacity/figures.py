"""What one step of a capacity search measured, read from two snapshots of the metric store.

`step_figures_from()` is the one place a step's figures are taken from `Snapshot`s:
counts are the difference between the snapshot at the start of the steady window
and the one at its end; request rates the mean and latency percentiles are the median of the store's
per-second interval percentiles inside the window (each covers the store's rate
window), so one slow second does not make or break a step; onboarding counts
from the step's start, since agents onboard while the step spawns.

The mediator's figures come from the probe's per-second points (`Snapshot.mediator.history`)
inside the window: CPU is their mean (a second of garbage collection does not make a
step), memory and connections the last reading (every agent of the step started), the
queue its highest, its CPU throttling the periods throttled over those run in the window. They stay None when no probe reading fell in the window.
Lost messages and lost sessions stay None until the delivery ledger feeds the store;
every reader of `StepFigures` treats None as unknown.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from mediator_tui.core.metrics.cpu_breakdown import MS_PER_S_PER_CPU_PERCENT, PING_ENDPOINT, CpuSplit, window_split
from mediator_tui.core.metrics.mediator_snapshot import MediatorPoint
from mediator_tui.core.metrics.probe_samples import SATURATED, STALLED
from mediator_tui.core.metrics.snapshot import RequestRow, Snapshot
from mediator_tui.core.metrics.throttling import total
from mediator_tui.core.thresholds import find_endpoint

T = TypeVar("T")

ONBOARDING_ENDPOINT = "agent_start"


@dataclass(frozen=True)
class EndpointFigures:
    """One request series (an endpoint, or the aggregate) over a step's steady window."""

    name: str
    requests: int
    failures: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    rps: float | None = None
    type: str = ""  # the request type as the stats show it (`DIDComm`); empty for the aggregate

    @property
    def key(self) -> str:
        return f"{self.type} {self.name}" if self.type else self.name

    @property
    def fail_ratio(self) -> float | None:
        return self.failures / self.requests if self.requests else None


def users_and_agents(users: int, agents: int | None) -> str:
    """What a step counts, in the words every capacity line uses: its Locust users and their agents."""
    return f"{users} users, " + ("agents not reported" if agents is None else f"{agents} agents")


@dataclass(frozen=True)
class StepFigures:
    index: int
    users_target: int  # Locust users the step asks for
    users_running: int  # Locust users running at the end of the window
    window_start: float
    window_end: float
    total: EndpointFigures
    endpoints: tuple[EndpointFigures, ...] = ()
    onboarding_fail_ratio: float | None = None  # agent start failures / start attempts during the step
    # Agents onboarded per second from the step's start to the window's end, and those still waiting for
    # admission or in flight at the window's end; None without agent metrics.
    onboarding_per_s: float | None = None
    onboarding_backlog: int | None = None
    lost_messages: int | None = None  # None: no message scenario, or no delivery ledger
    duplicated_messages: int | None = None
    lost_sessions: int | None = None  # agents the workers count as connected beyond the mediator's sessions
    mediator_cpu_percent: float | None = None  # 100 = one core
    mediator_rss_bytes: int | None = None
    mediator_connections: int | None = None
    mediator_queue: int | None = None
    mediator_bytes_per_connection: float | None = None  # slope of RSS over connections this run, up to here
    # Seconds of the window the mediator did not answer, by why (core/sources/probe/state.py); None: no probe.
    mediator_saturated_s: float | None = None
    mediator_stalled_s: float | None = None
    # mediator_throttled: % of the CFS periods the mediator ran in that its CPU limit cut short, and the seconds
    # it was held back, in the window; None: no cgroup counters read.
    mediator_throttled_percent: float | None = None
    mediator_throttled_s: float | None = None
    worker_cpu_max_percent: float | None = None  # the busiest worker process; 100 = one core
    ports_refused: int | None = None  # agents refused a listening port during the window
    port_headroom: int | None = None  # ports of the pool never in use so far
    # Agents the fullest worker could still start within its open-file limit and port slice; None: not reported.
    agent_slots_headroom: int | None = None
    # Agents the step means to run (its users times the agents each holds) and those running at the end of
    # the window; None without agent metrics (a plain `locust --master`).
    agents_target: int | None = None
    agents_running: int | None = None
    # What the mediator's CPU went to in the window (connections held, pings, onboarding), by the costs estimated
    # over the run up to the window's end (core/metrics/cpu_breakdown.py); None: no probe reading in the window.
    mediator_cpu_split: CpuSplit | None = None

    def endpoint(self, name: str) -> EndpointFigures | None:
        return find_endpoint(self.endpoints, name)

    @property
    def onboarding_backlog_ratio(self) -> float | None:
        """The step's agents not onboarded by the window's end (waiting or in flight): onboarding did not keep up."""
        if self.onboarding_backlog is None or not self.agents_target:
            return None
        return self.onboarding_backlog / self.agents_target

    def counted(self) -> str:
        return users_and_agents(self.users_target, self.agents_target)

    @property
    def ping_p95_ms(self) -> float | None:
        ping = self.endpoint(PING_ENDPOINT)
        return None if ping is None else ping.p95_ms

    @property
    def mediator_cpu_ms_per_request(self) -> float | None:
        """The mediator's CPU time per request of the window (per ping in a ping scenario), in ms."""
        if self.mediator_cpu_percent is None or not self.total.rps:
            return None
        return self.mediator_cpu_percent * MS_PER_S_PER_CPU_PERCENT / self.total.rps


def step_figures_from(
    snapshot_at_start: Snapshot,
    snapshot_at_end: Snapshot,
    *,
    index: int,
    users_target: int,
    step_began: Snapshot | None = None,
) -> StepFigures:
    """Figures of the window between two snapshots; `step_began` (default: the window's start) is
    the snapshot taken when the step's spawning began, from which onboarding is counted."""
    start, end = snapshot_at_start, snapshot_at_end
    began = step_began or start
    window = (start.taken_at, end.taken_at)
    endpoints = tuple(_endpoint(row, _row(start, row.key), end, window) for row in end.requests)
    mediator = [p for p in end.mediator.history if window[0] <= p.t <= window[1]]
    throttled = total(p.throttled for p in mediator)
    return StepFigures(
        index=index,
        users_target=users_target,
        users_running=end.status.users,
        agents_target=_agents_target(end, users_target),
        agents_running=end.agents.running if end.agents.known else None,
        window_start=start.taken_at,
        window_end=end.taken_at,
        total=_endpoint(end.total, start.total, end, window, name="Aggregated"),
        endpoints=endpoints,
        onboarding_fail_ratio=_onboarding_fail_ratio(began, end),
        onboarding_per_s=_onboarding_per_s(began, end),
        onboarding_backlog=end.onboarding.backlog if end.onboarding.known else None,
        worker_cpu_max_percent=_worker_cpu_max_percent(start, end),
        agent_slots_headroom=min(
            (max(0, w.max_agents - w.agents) for w in end.workers_harness if w.max_agents), default=None
        ),
        ports_refused=max(0, end.ports.refused - start.ports.refused)
        if end.ports.known and start.ports.known
        else None,
        port_headroom=max(0, end.ports.size - end.ports.in_use_max) if end.ports.known and end.ports.size else None,
        lost_messages=_ledger_delta(start, end, "lost"),
        duplicated_messages=_ledger_delta(start, end, "duplicated"),
        lost_sessions=_last(max(0, -p.session_gap) for p in mediator if p.session_gap is not None),
        mediator_cpu_percent=_mean(p.cpu_percent for p in mediator),
        mediator_rss_bytes=_last(p.rss_bytes for p in mediator),
        mediator_connections=_last(p.connections for p in mediator),
        mediator_queue=_queue(mediator),
        mediator_bytes_per_connection=end.mediator.bytes_per_connection if mediator else None,
        mediator_saturated_s=_seconds_in(mediator, SATURATED),
        mediator_stalled_s=_seconds_in(mediator, STALLED),
        mediator_throttled_percent=throttled and throttled.percent,
        mediator_throttled_s=throttled and throttled.throttled_s,
        mediator_cpu_split=window_split(end, window),
    )


def _seconds_in(points: list[MediatorPoint], state: str) -> float | None:
    """Seconds of the window in `state`: the probe's history holds one point a second (a step's window is
    far shorter than the hour after which it thins out)."""
    return float(sum(1 for p in points if p.state == state)) if points else None


def _agents_target(end: Snapshot, users_target: int) -> int | None:
    """The step's users times the agents each holds (`AgentCounts.slots` per user, as the workers report)."""
    if not end.agents.known:
        return None
    return users_target if end.agents.per_user is None else round(users_target * end.agents.per_user)


def _ledger_delta(start: Snapshot, end: Snapshot, field: str) -> int | None:
    """Messages the delivery ledger counted `field` inside the window; None when no scenario sent any
    (a message lost here may have been sent in the step before: it is lost once its timeout passed)."""
    if not end.delivery.known or not end.delivery.sent:
        return None
    before = getattr(start.delivery, field) if start.delivery.known else 0
    return _delta(getattr(end.delivery, field), before)


def _worker_cpu_max_percent(start: Snapshot, end: Snapshot) -> float | None:
    """The busiest worker's CPU over the window, in % of one core, from the counters in its reports.

    Without them (workers of an older release), Locust's own `cpu_usage`: a sample of the last
    10 s taken when Locust chooses, the highest at either end of the window."""
    before = {w.worker_id: (w.at, w.cpu_seconds) for w in start.workers_harness if w.cpu_seconds is not None}
    used = [
        100.0 * (w.cpu_seconds - before[w.worker_id][1]) / (w.at - before[w.worker_id][0])
        for w in end.workers_harness
        if w.cpu_seconds is not None and w.worker_id in before and w.at > before[w.worker_id][0]
    ]
    if used:
        return max(used)
    return max(
        (w.cpu_percent for s in (start, end) for w in s.status.workers if w.cpu_percent is not None and not w.missing),
        default=None,
    )


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _last(values: Iterable[T | None]) -> T | None:
    known = [v for v in values if v is not None]
    return known[-1] if known else None


def _queue(points: list[MediatorPoint]) -> int | None:
    queued = [p.queued_messages for p in points if p.queued_messages is not None]
    return round(max(queued)) if queued else None


def _row(snapshot: Snapshot, key: str) -> RequestRow | None:
    return next((r for r in snapshot.requests if r.key == key), None)


def _delta(end: int, start: int) -> int:
    # Counters that went down were reset inside the window: what the end holds is all since then.
    return end - start if end >= start else end


def _endpoint(
    row: RequestRow, before: RequestRow | None, end: Snapshot, window: tuple[float, float], name: str | None = None
) -> EndpointFigures:
    requests = _delta(row.count, before.count if before else 0)
    failures = _delta(row.failures, before.failures if before else 0)
    series = end.series(row.key)
    points = [p for p in (series.points if series else ()) if window[0] <= p.t <= window[1]]
    seconds = window[1] - window[0]

    def median(field: str) -> float | None:
        values = [getattr(p, field) for p in points if getattr(p, field) is not None]
        return statistics.median(values) if values and requests else None

    # The store's per-second rates, not requests / seconds: a plain master's counts may be up to 2 s
    # old (Locust's cache) at one end of the window and fresh at the other.
    rates = [p.rps for p in points]
    rps = statistics.fmean(rates) if rates else (requests / seconds if seconds > 0 else None)
    return EndpointFigures(
        name=name or row.name,
        requests=requests,
        failures=failures,
        p50_ms=median("p50_ms"),
        p95_ms=median("p95_ms"),
        p99_ms=median("p99_ms"),
        rps=rps,
        type="" if name else row.type,
    )


def _onboarding_per_s(began: Snapshot, end: Snapshot) -> float | None:
    elapsed = end.taken_at - began.taken_at
    if not (began.onboarding.known and end.onboarding.known) or elapsed <= 0:
        return None
    return _delta(end.onboarding.onboarded, began.onboarding.onboarded) / elapsed


def _onboarding_fail_ratio(began: Snapshot, end: Snapshot) -> float | None:
    if began.agents.known and end.agents.known:
        failed = _delta(end.agents.start_failures, began.agents.start_failures)
        attempts = _delta(end.agents.started, began.agents.started) + failed
        return failed / attempts if attempts else 0.0
    row = next((r for r in end.requests if r.name == ONBOARDING_ENDPOINT), None)
    if row is None:
        return None
    before = next((r for r in began.requests if r.name == ONBOARDING_ENDPOINT), None)
    attempts = _delta(row.count, before.count if before else 0)
    failed = _delta(row.failures, before.failures if before else 0)
    return failed / attempts if attempts else 0.0
