"""What one probe reading of the mediator found: typed, frozen, every figure None where unknown.

A reading that failed carries `error` (one line for the user, never a header value); one that
took too long or got no answer in time is `stalled`, which is how a frozen mediator shows. A figure
the answer held but that is no usable number (NaN, infinite, negative, a string) is None, its reason
in `unknown`.

The readings are `@final` so that a type checker knows one is never false: readers take a figure
as `sample and sample.figure`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import final

EMPTY: Mapping[str, float] = MappingProxyType({})

# Why the mediator does not answer (core/sources/probe/state.py): its process busy, or idle or stopped.
SATURATED, STALLED = "saturated", "stalled"


class MediatorState:
    """`stalled` and `saturated` of whatever carries a `state` (a tick, a second of the history, the run)."""

    state: str

    @property
    def stalled(self) -> bool:
        return self.state == STALLED

    @property
    def saturated(self) -> bool:
        return self.state == SATURATED


@final
@dataclass(frozen=True)
class ProcessSample:
    """The mediator's process on this host (psutil)."""

    pid: int | None = None
    status: str | None = None  # psutil's words: running, sleeping, stopped (SIGSTOP), zombie, ...
    cpu_percent: float | None = None  # user + system, in % of one core, since the previous sample
    rss_bytes: int | None = None
    uss_bytes: int | None = None
    open_fds: int | None = None
    threads: int | None = None
    established: int | None = None  # established TCP connections on `ports`
    ports: tuple[int, ...] = ()  # the inbound ports counted
    error: str | None = None
    took_s: float | None = None
    stalled: bool = False  # the process is stopped
    # Its cgroup's CPU throttling since the cgroup was made (cpu.stat): the CFS periods (100 ms) in which it ran,
    # those in which the kernel held it back at its CPU limit, and for how long in all; None where no cgroup CPU
    # controller can be read. `cpu_limit_cores`: the limit its cgroup holds (None: none, or unreadable).
    cfs_periods: int | None = None
    throttled_periods: int | None = None
    throttled_s: float | None = None
    cpu_limit_cores: float | None = None


@final
@dataclass(frozen=True)
class AdminStatus:
    """ACA-Py's `GET /status`: cheap, read every tick."""

    version: str | None = None
    sessions: int | None = None  # conductor `in_sessions`: open inbound sessions (live websockets, HTTP in flight)
    outbound_queued: int | None = None  # conductor `out_encode` + `out_deliver`: the outbound buffer
    tasks_pending: int | None = None
    unknown: tuple[str, ...] = ()  # why a figure the answer held is None (`name: reason`)
    error: str | None = None
    took_s: float | None = None
    stalled: bool = False


@final
@dataclass(frozen=True)
class AdminCounts:
    """ACA-Py's admin records for its clients (its own warm-up connection left out): read every few seconds."""

    connections_by_state: Mapping[str, int] | None = None
    granted_mediations: int | None = None  # role server
    keylist_routes: int | None = None  # role server
    error: str | None = None
    took_s: float | None = None
    stalled: bool = False

    @property
    def active_connections(self) -> int | None:
        if self.connections_by_state is None:
            return None
        return self.connections_by_state.get("active", 0)


@final
@dataclass(frozen=True)
class MetricsSample:
    """A Prometheus text endpoint: the known series mapped, the user's own (`MEDIATOR_METRICS`) as they are."""

    live_sessions: float | None = None
    sessions_opened: float | None = None  # counter since the mediator started
    sessions_closed: float | None = None  # counter since the mediator started
    queued_messages: float | None = None
    queue_oldest_age_s: float | None = None
    outbound_latency_sum_s: float | None = None  # histogram sum and count since start: the store takes deltas
    outbound_latency_count: float | None = None
    process_cpu_seconds: float | None = None
    process_rss_bytes: float | None = None
    extra: Mapping[str, float] = field(default_factory=lambda: EMPTY)  # `name{labels}` -> value
    missing: tuple[str, ...] = ()  # names asked for in MEDIATOR_METRICS the endpoint did not serve
    unknown: tuple[str, ...] = ()  # why a served sample was not taken (`name: reason`)
    error: str | None = None
    took_s: float | None = None
    stalled: bool = False


@final
@dataclass(frozen=True)
class DatabaseSample:
    """The embedded mediator's PostgreSQL, from its server log: the connections it refused at its limit."""

    refused: int = 0  # since the cluster started: "sorry, too many clients already" and the like
    error: str | None = None
    took_s: float | None = None
    stalled: bool = False


@dataclass(frozen=True)
class ProbeSample(MediatorState):
    """One tick of the probe. A source not read this tick (its back-off, or not configured) is None;
    `stalled_by` names every source whose latest reading stalled (no answer in time), so an unanswering
    mediator stays visible on the ticks between two back-off attempts; `state` says why it does not
    answer, judged on this tick's process reading: `SATURATED` (busy) or `STALLED` (idle, stopped, or
    no CPU reading to tell); "" while every source answers."""

    at: float  # wall-clock time of the tick (time.time())
    took_s: float
    process: ProcessSample | None = None
    admin_status: AdminStatus | None = None
    admin_counts: AdminCounts | None = None
    metrics: MetricsSample | None = None
    database: DatabaseSample | None = None
    stalled_by: tuple[str, ...] = ()
    state: str = ""


def redacted(sample: ProbeSample, redact: Callable[[str], str]) -> ProbeSample:
    """`sample` with every error text passed through `redact` (a URL of the settings may carry a password)."""
    parts = {}
    for name in ("process", "admin_status", "admin_counts", "metrics", "database"):
        part = getattr(sample, name)
        if part is not None and part.error:
            parts[name] = replace(part, error=redact(part.error))
    return replace(sample, **parts) if parts else sample
