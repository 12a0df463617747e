"""The read-only picture of a run that the dashboard and the exporter draw from.

Every figure here was computed by the metric store; readers format, they never compute. All classes are
frozen and hold tuples, so a snapshot can be handed to another thread or kept for comparison without copying.

Units: times are unix seconds (float), durations seconds, latencies milliseconds, memory bytes. `None` means
"not known" (no data yet, or the master does not serve it), which a reader shows as blank, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mediator_tui.core.metrics.host_view import HostView
from mediator_tui.core.metrics.mediator_snapshot import MediatorSnapshot
from mediator_tui.core.metrics.onboarding import OnboardingSnapshot

if TYPE_CHECKING:  # the storm's figures name this module's FailureRow
    from mediator_tui.core.metrics.storm import StormOutcome

AGGREGATED = "Aggregated"
# Bumped when a field changes meaning or goes away: whoever keeps snapshots can tell them apart.
SNAPSHOT_VERSION = 2


@dataclass(frozen=True)
class WorkerInfo:
    """One Locust worker as the master sees it."""

    worker_id: str
    state: str
    users: int
    cpu_percent: float | None = None
    memory_bytes: int | None = None
    missing: bool = False


@dataclass(frozen=True)
class RunStatus:
    mode: str  # "local" (the tool started the master) or "attached"
    master_url: str
    # Locust's runner state ("ready", "spawning", "running", "stopping", "stopped", "cleanup", "missing"),
    # or "idle" (nothing started yet) / "unreachable" / "ended" from the tool itself.
    state: str
    users: int
    target_users: int | None
    spawn_rate: float | None
    workers: tuple[WorkerInfo, ...]
    connected: bool
    error: str = ""  # why the master cannot be read, in words a user can act on
    error_lasting: bool = False  # the error will not change by waiting (a refused redirect, credentials wanted)
    started_at: float | None = None  # when the current swarm began (tool clock)
    elapsed_s: float = 0.0
    run_time_s: float | None = None  # planned duration; None when open-ended
    engine: str | None = None  # "native" / "credo" as the workers report it
    locustfiles: tuple[str, ...] = ()
    target: str = ""  # mediator URL with secrets removed
    peak_users: int = 0  # most users at once this run

    @property
    def worker_count(self) -> int:
        return sum(1 for w in self.workers if not w.missing)

    @property
    def missing_workers(self) -> tuple[str, ...]:
        return tuple(w.worker_id for w in self.workers if w.missing)


@dataclass(frozen=True)
class SeriesPoint:
    """One second of one request series. Rates come from count deltas."""

    t: float
    rps: float
    fail_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    users: int = 0


@dataclass(frozen=True)
class RequestHistory:
    """Bounded history of one request series (`key` is "TYPE name", or AGGREGATED)."""

    key: str
    type: str
    name: str
    points: tuple[SeriesPoint, ...]
    step_s: int = 1  # seconds each point stands for: 1, doubled each time a long run filled the history


@dataclass(frozen=True)
class RequestRow:
    """One endpoint. Plain fields are cumulative since the run (or last reset) began;
    `rps`, `fail_per_s` and `interval_*` cover the latest interval."""

    type: str
    name: str
    count: int
    failures: int
    rps: float
    fail_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    min_ms: float | None = None
    avg_ms: float | None = None
    avg_rps: float = 0.0  # count / elapsed
    interval_p50_ms: float | None = None
    interval_p95_ms: float | None = None
    interval_p99_ms: float | None = None
    # How the interval percentiles were obtained:
    #   "histogram":  exact, from the difference of two cumulative response-time histograms;
    #   "window":     Locust's own recent-window percentiles (aggregated row only, about 10 s);
    #   "cumulative": no interval data: the cumulative percentiles stand in.
    percentile_source: str = "cumulative"
    # Locust's window has no p99: in the "window" mode the interval p99 is the cumulative one.
    interval_p99_source: str = "cumulative"
    # The cumulative response-time histogram ((bucket_ms, requests), by bucket) when the master serves one:
    # what a comparison of two runs reads beside the percentiles.
    response_times: tuple[tuple[float, int], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.type} {self.name}" if self.type else self.name

    @property
    def fail_ratio(self) -> float:
        return self.failures / self.count if self.count else 0.0


@dataclass(frozen=True)
class FailureRow:
    type: str
    name: str
    error: str
    occurrences: int


@dataclass(frozen=True)
class CrashEvent:
    ts: float
    worker_id: str
    user: str
    reason: str
    stderr_tail: str = ""


@dataclass(frozen=True)
class AgentsSnapshot:
    known: bool  # False when the master has no agent-metrics route (plain `locust --master`)
    running: int = 0
    target: int = 0  # agents the run means to run: the users asked for times each one's agents (agents_target.py)
    started: int = 0
    crashed: int = 0
    restarted: int = 0
    start_failures: int = 0
    reconnects: int = 0
    recent_crashes: tuple[CrashEvent, ...] = ()  # newest last, at most 20
    crash_log: tuple[CrashEvent, ...] = ()  # every crash seen this run (bounded), for agents.csv
    peak_running: int = 0  # most agents running at once this run
    per_user: float | None = None  # agents each Locust user holds (agents_target.py); None: no worker said yet


@dataclass(frozen=True)
class PortsSnapshot:
    known: bool
    size: int = 0
    in_use: int = 0
    in_use_max: int = 0
    refused: int = 0
    trend_per_s: float = 0.0  # change of in_use per second over the last ~10 s


@dataclass(frozen=True)
class WorkerMemory:
    """Memory of one worker and the agents it runs.

    native: `unique_bytes` is the worker's growth over its baseline (USS, else RSS); credo: `unique_bytes` is
    the sum of the node agents' RssAnon (or USS), `shared_bytes` their RssFile+RssShmem.
    """

    worker_id: str
    engine: str
    agents: int
    agent_processes: int
    worker_rss_bytes: int
    worker_uss_bytes: int | None
    unique_bytes: int
    shared_bytes: int
    pss_bytes: int | None
    per_agent_unique_bytes: float | None
    stale: bool = False


@dataclass(frozen=True)
class RoomLimit:
    """One limit on how many more agents the workers can start (see `core/metrics/room.py`)."""

    name: str  # "open files", "local ports", "port pool", "memory"
    more_agents: int
    limit: int  # the limit itself: descriptors (RLIMIT_NOFILE), ports, or bytes available
    per: str  # what `limit` counts: "worker" or "host"


@dataclass(frozen=True)
class MemorySnapshot:
    known: bool
    agents: int = 0
    unique_bytes: int = 0
    shared_bytes: int = 0
    worker_rss_bytes: int = 0
    pss_bytes: int | None = None
    # What one more agent costs (AgentMemoryFit), measured while the test ran; None with the reason until then.
    per_agent_unique_bytes: float | None = None
    per_agent_unknown_because: str = ""
    per_worker: tuple[WorkerMemory, ...] = ()
    # Host figures are read where the tool runs; in attach mode they describe this host only.
    host_total_bytes: int | None = None
    host_available_bytes: int | None = None
    # How many more agents fit: the smallest room of `room`, whose first limit binds first.
    projected_more_agents: int | None = None
    room: tuple[RoomLimit, ...] = ()
    # The figures when the most agents were running: after a stop the live ones fall to zero.
    peak_agents: int = 0
    peak_unique_bytes: int = 0
    peak_shared_bytes: int = 0


@dataclass(frozen=True)
class WorkerHarness:
    """What may bound a worker, as its latest report gave it: its CPU counter (`WorkerReport.cpu_seconds`;
    the CPU of a window is the difference of two snapshots' counters over the difference of their `at`)
    and its agents against the most its open-file limit and port slice let it hold."""

    worker_id: str
    at: float  # when the worker made the report (the worker's clock)
    cpu_seconds: float | None  # None: a worker of an older release
    agents: int
    max_agents: int  # 0: not reported


@dataclass(frozen=True)
class ResourcePoint:
    """One second of the non-request series (agents, ports, memory) for charts."""

    t: float
    users: int
    agents_running: int | None
    agents_crashed: int | None
    ports_in_use: int | None
    unique_bytes: int | None
    shared_bytes: int | None
    agents_reconnects: int | None = None  # the run's websocket reconnects so far
    # The workers' last reports to the master, in bytes as sent (`AgentsTotal`): the largest, and their sum (the
    # bytes a second the master reads). None: not measured.
    report_bytes_max: int | None = None
    report_bytes_per_s: int | None = None


@dataclass(frozen=True)
class ReportSizes:
    """The workers' reports to the master, the highest of the run, in bytes as sent: the whole message, Locust's
    stats and the agents report (`locust_support/report_size.py`). None: not measured (a plain `locust -f` sends
    no report over a wire; a master of an older release does not measure them)."""

    largest_bytes: int | None = None  # the largest report one worker sent
    per_s_bytes: int | None = None  # the reports of all workers in one second (each reports once a second)


@dataclass(frozen=True)
class JudgedFigures:
    """The run's figures as `--fail-on` judges them: those of the running test, not of after the stop
    (when every agent has shut down). None: not known (no agent-metrics route, or no report while running).

    Counters and gauges are the last figures read while Locust was spawning or running; memory per
    agent is the one measured while it ran (`MemorySnapshot.per_agent_unique_bytes`), None with the
    reason while not measurable."""

    agents_running: int | None = None
    agents_started: int | None = None
    crashes: int | None = None
    start_failures: int | None = None
    restarted: int | None = None
    ports_refused: int | None = None
    memory_per_agent_bytes: float | None = None
    memory_per_agent_unknown_because: str = ""
    workers_missing: int | None = None
    # Why the run shows that nothing worked (no agent started, no request succeeded); "" when something did.
    nothing_worked: str = ""


@dataclass(frozen=True)
class DeliveryPoint:
    """One second of the delivery ledger: the counts so far, and what happened in that second."""

    t: float
    sent: int
    delivered: int
    lost: int
    in_flight: int
    duplicated: int
    late: int
    out_of_order: int
    sent_in_s: int = 0
    delivered_in_s: int = 0
    lost_in_s: int = 0
    duplicated_in_s: int = 0
    # Latency of the deliveries of that second, exact (from the difference of two histograms).
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None


@dataclass(frozen=True)
class DeliverySnapshot:
    """What became of the messages scenarios sent to agents (the workers' delivery ledgers).

    Each message sent is in exactly one of delivered (within VERIFIED_TIMEOUT_SECONDS), lost
    (its timeout passed first) and in_flight (neither yet, or when the run ended): sent =
    delivered + lost + in_flight. `late` (lost messages that arrived after all), `duplicated`
    and `out_of_order` (per connection) count arrivals beside them."""

    known: bool  # False when the master serves no delivery ledger (another release, plain Locust)
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    in_flight: int = 0
    duplicated: int = 0
    late: int = 0
    out_of_order: int = 0
    p50_ms: float | None = None  # latency of every delivery of the run, sent to arrived
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    points: tuple[DeliveryPoint, ...] = ()  # one per second
    latency_ms: tuple[tuple[float, int], ...] = ()  # the run's latency histogram ((bucket_ms, deliveries), by bucket)


@dataclass(frozen=True)
class Snapshot:
    taken_at: float
    status: RunStatus
    total: RequestRow  # the aggregated row
    requests: tuple[RequestRow, ...]  # per endpoint, sorted by type then name
    failures: tuple[FailureRow, ...]
    history: tuple[RequestHistory, ...]  # AGGREGATED first, then per endpoint
    resources: tuple[ResourcePoint, ...]
    agents: AgentsSnapshot
    ports: PortsSnapshot
    memory: MemorySnapshot
    mediator: MediatorSnapshot = MediatorSnapshot()
    delivery: DeliverySnapshot = DeliverySnapshot(known=False)
    onboarding: OnboardingSnapshot = field(default_factory=OnboardingSnapshot)
    version: int = SNAPSHOT_VERSION
    judged: JudgedFigures = JudgedFigures()
    workers_harness: tuple[WorkerHarness, ...] = ()  # one per worker with agent metrics
    resources_step_s: int = 1  # seconds each point of `resources` stands for (see RequestHistory.step_s)
    storm: StormOutcome | None = None  # the reconnect storm of this run (STORM_AFTER), under way or ended
    hosts: tuple[HostView, ...] = ()  # the workers by host, by host name (`core/metrics/hosts.py`)
    reports: ReportSizes = ReportSizes()  # the workers' reports to the master, the highest of the run

    @property
    def history_step_s(self) -> int:
        """The coarsest resolution of the histories: 1 unless a run longer than the history was downsampled."""
        return max([self.resources_step_s, *(s.step_s for s in self.history)])

    def series(self, key: str = AGGREGATED) -> RequestHistory | None:
        return next((s for s in self.history if s.key == key), None)
