"""The metric store: the only place figures of a run are computed.

The poller feeds it what the Locust master serves (`/stats/requests` and the
agent-metrics route) about once a second; the TUI and the exporter read
`snapshot()`.

Rates come from count deltas over a short window (`rate_window_s`, default
3 s) instead of Locust's `current_rps`, a 10 s average ending 2 s back. The
window is not 1 s because the master only learns counts when a worker reports
(every 3 s by default): a one-second delta would swing between zero and three
times the real rate. Locust also caches `/stats/requests` for 2 s; a payload
equal to the previous one is that cache, so it adds no sample (a cache miss is
computed at the moment of our request, which makes fresh samples exact in
time).

When the agent-metrics route serves `request_stats` (uncached counts and
cumulative response-time histograms), counts come from there and interval
percentiles are exact: the store subtracts the histogram at the start of the
window from the latest one. Without it, the
aggregated row takes Locust's own recent-window p50/p95 (about 10 s) and
everything else the cumulative percentiles; `percentile_source` says which.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Callable

from . import percentiles as pct
from .payload import as_count, as_dict, as_int, as_number, as_text, dicts
from .snapshot import (
    AGGREGATED,
    AgentsSnapshot,
    CrashEvent,
    FailureRow,
    MemorySnapshot,
    PortsSnapshot,
    RequestRow,
    ResourcePoint,
    RunStatus,
    Series,
    SeriesPoint,
    Snapshot,
    WorkerInfo,
    WorkerMemory,
)

HISTORY_S = 3600
CRASH_LOG_MAX = 10_000
PORT_TREND_S = 10.0
RUNNING_STATES = ("spawning", "running")


@dataclass(frozen=True)
class HostMemory:
    total_bytes: int
    available_bytes: int


def read_host_memory() -> HostMemory | None:
    try:
        import psutil
    except ImportError:
        return None
    vm = psutil.virtual_memory()
    return HostMemory(total_bytes=int(vm.total), available_bytes=int(vm.available))


@dataclass
class _Sample:
    t: float
    count: int
    failures: int
    histogram: dict[float, int] | None


class _SeriesState:
    """Count samples over the rate window plus the bounded per-second history of one series."""

    def __init__(self, type_: str, name: str, history_len: int):
        self.type = type_
        self.name = name
        self.samples: collections.deque[_Sample] = collections.deque()
        self.points: collections.deque[SeriesPoint] = collections.deque(maxlen=history_len)
        self.row: RequestRow | None = None

    @property
    def key(self) -> str:
        return f"{self.type} {self.name}" if self.type else self.name

    def add_sample(self, sample: _Sample, window_s: float) -> _Sample:
        """Record `sample`; return the sample the window starts at."""
        if self.samples and sample.count < self.samples[-1].count:
            self.samples.clear()  # counters were reset (stats reset or a new run)
        self.samples.append(sample)
        cutoff = sample.t - window_s
        while len(self.samples) > 1 and self.samples[1].t <= cutoff:
            self.samples.popleft()
        return self.samples[0]

    def add_point(self, point: SeriesPoint) -> None:
        # One point per wall-clock second: a second poll within the same second replaces the first.
        if self.points and int(self.points[-1].t) == int(point.t):
            self.points.pop()
        self.points.append(point)

    def repeat_point(self, t: float) -> None:
        if self.points:
            self.add_point(dataclasses.replace(self.points[-1], t=t))


class MetricStore:
    def __init__(self, mode: str, master_url: str, *, rate_window_s: float = 3.0,
                 history_s: int = HISTORY_S, clock: Callable[[], float] = time.time,
                 host_memory: Callable[[], HostMemory | None] = read_host_memory):
        self._lock = threading.Lock()
        self._clock = clock
        self._host_memory = host_memory
        self._rate_window_s = rate_window_s
        self._history_len = history_s
        self._mode = mode
        self._master_url = master_url
        self._locustfiles: tuple[str, ...] = ()
        self._target = ""
        self._run_time_s: float | None = None
        self._target_users: int | None = None
        self._spawn_rate: float | None = None
        self._clear_run()
        self._connected = False
        self._error = ""
        self._state = "idle"  # nothing started yet
        self._users = 0
        self._workers: tuple[WorkerInfo, ...] = ()

    def _clear_run(self) -> None:
        self._series: dict[tuple[str, str], _SeriesState] = {}
        self._last_stats: dict | None = None
        self._failures: tuple[FailureRow, ...] = ()
        self._resources: collections.deque[ResourcePoint] = collections.deque(maxlen=self._history_len)
        self._crash_log: collections.deque[CrashEvent] = collections.deque(maxlen=CRASH_LOG_MAX)
        self._crash_keys: set[tuple] = set()
        self._agents_payload: dict | None = None
        self._peak: tuple[int, dict] = (0, {})  # (agents running, total memory then)
        self._port_samples: collections.deque[tuple[float, int]] = collections.deque()
        self._started_at: float | None = None
        self._ended_at: float | None = None
        self._engine: str | None = None

    def _begin_run(self, t: float) -> None:
        """A new swarm after a stop: Locust clears its stats, and so does the store."""
        self._clear_run()
        self._started_at = t

    # -- what the run controller tells the store --------------------------------------------

    def describe_run(self, *, locustfiles: tuple[str, ...] = (), target: str = "",
                     run_time_s: float | None = None) -> None:
        with self._lock:
            self._locustfiles = tuple(locustfiles)
            self._target = target
            self._run_time_s = run_time_s

    def swarm_requested(self, users: int, spawn_rate: float, run_time_s: float | None = None) -> None:
        with self._lock:
            self._target_users = users
            self._spawn_rate = spawn_rate
            if run_time_s is not None:
                self._run_time_s = run_time_s
            if self._started_at is None or self._ended_at is not None:
                self._begin_run(self._clock())

    def swarm_stopped(self) -> None:
        with self._lock:
            if self._started_at is not None and self._ended_at is None:
                self._ended_at = self._clock()

    def reset(self) -> None:
        """Forget the run's figures (after `/stats/reset`); a run going on is timed from now."""
        with self._lock:
            if self._state in RUNNING_STATES:
                self._begin_run(self._clock())
            else:
                self._clear_run()

    # -- what the poller feeds ----------------------------------------------------------------

    def feed_error(self, message: str) -> None:
        with self._lock:
            # The last state the master told stays: a blip must not look like a new run later.
            self._connected = False
            self._error = message

    def feed(self, stats: dict, agents: dict | None, t: float | None = None) -> None:
        """One poll: the `/stats/requests` payload and the agent-metrics payload (None: no such route).

        Fields that cannot be read count as unknown; the rest of the payload is used."""
        if not isinstance(stats, dict):
            self.feed_error(f"the master sent {type(stats).__name__} instead of a JSON object "
                            f"for /stats/requests")
            return
        agents = agents if isinstance(agents, dict) else None  # as the client reads it: no usable route
        t = self._clock() if t is None else t
        with self._lock:
            self._connected, self._error = True, ""
            self._read_status(stats, t)
            self._agents_payload = agents
            live = self._live_counts(agents)
            if live is None and stats == self._last_stats:
                # Locust served its 2 s cache: no news; the history still gets this second.
                for series in self._series.values():
                    series.repeat_point(t)
            else:
                self._last_stats = stats
                for row in dicts(stats.get("stats")):
                    if isinstance(row.get("name"), str):  # a row without a name belongs to no series
                        self._read_row(row, stats, live, t)
            self._failures = tuple(
                FailureRow(type=as_text(e.get("method")), name=as_text(e.get("name")),
                           error=as_text(e.get("error")), occurrences=as_count(e.get("occurrences")))
                for e in dicts(stats.get("errors"))
            )
            self._read_agents(agents, t)

    def _read_status(self, stats: dict, t: float) -> None:
        state = as_text(stats.get("state"), "missing")
        running, was_running = state in RUNNING_STATES, self._state in RUNNING_STATES
        if running and not was_running and (self._started_at is None or self._ended_at is not None):
            self._begin_run(t)  # a run we did not start, or one restarted
        if was_running and not running and self._started_at is not None and self._ended_at is None:
            self._ended_at = t
        self._state = state
        self._users = as_count(stats.get("user_count"))
        self._workers = tuple(
            WorkerInfo(worker_id=as_text(w.get("id"), "?"), state=as_text(w.get("state"), "?"),
                       users=as_count(w.get("user_count")), cpu_percent=as_number(w.get("cpu_usage")),
                       memory_bytes=as_int(w.get("memory_usage")), missing=w.get("state") == "missing")
            for w in dicts(stats.get("workers"))
        )

    @staticmethod
    def _live_counts(agents: dict | None) -> dict[tuple[str, str], _Sample] | None:
        """Uncached counts and histograms per endpoint from the agent-metrics route, when it has them."""
        request_stats = as_dict(as_dict(agents).get("request_stats"))
        if not request_stats:
            return None
        found = {(as_text(e.get("method")), as_text(e.get("name"))): e
                 for e in dicts(request_stats.get("entries"))}
        if isinstance(request_stats.get("total"), dict):
            found[("", AGGREGATED)] = request_stats["total"]
        return {key: _Sample(0.0, as_count(e.get("num_requests")), as_count(e.get("num_failures")),
                             pct.histogram_from_json(e.get("response_times")))
                for key, e in found.items()}

    def _read_row(self, row: dict, stats: dict, live: dict | None, t: float) -> None:
        key = (as_text(row.get("method")), row["name"])
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _SeriesState(key[0], key[1], self._history_len)
        fresh = live.get(key) if live else None
        if fresh is not None:
            count, failures, histogram = fresh.count, fresh.failures, fresh.histogram
        else:
            count, failures, histogram = as_count(row.get("num_requests")), as_count(row.get("num_failures")), None
        base = series.add_sample(_Sample(t, count, failures, histogram), self._rate_window_s)
        span = t - base.t
        rps = (count - base.count) / span if span > 0 else 0.0
        fail_per_s = (failures - base.failures) / span if span > 0 else 0.0

        cumulative = (as_number(row.get("median_response_time")),
                      as_number(row.get("response_time_percentile_0.95")),
                      as_number(row.get("response_time_percentile_0.99")))
        if count == 0:
            cumulative = (None, None, None)
        if histogram is not None and base.histogram is not None:
            if base is series.samples[-1]:
                interval_hist = {}
            else:
                interval_hist = pct.subtract(histogram, base.histogram)
            interval = tuple(pct.percentile(interval_hist, f) for f in (0.5, 0.95, 0.99))
            source = "histogram"
        elif key == ("", AGGREGATED) and as_dict(stats.get("current_response_time_percentiles")) and count:
            window = stats["current_response_time_percentiles"]
            interval = (as_number(window.get("response_time_percentile_0.5")),
                        as_number(window.get("response_time_percentile_0.95")), cumulative[2])
            source = "window"
        else:
            interval, source = cumulative, "cumulative"

        series.row = RequestRow(
            type=key[0], name=key[1], count=count, failures=failures, rps=rps, fail_per_s=fail_per_s,
            p50_ms=cumulative[0], p95_ms=cumulative[1], p99_ms=cumulative[2],
            max_ms=as_number(row.get("max_response_time")) if count else None,
            min_ms=as_number(row.get("min_response_time")) if count else None,
            avg_ms=as_number(row.get("avg_response_time")) if count else None,
            avg_rps=as_number(row.get("total_rps")) or 0.0,
            interval_p50_ms=interval[0], interval_p95_ms=interval[1], interval_p99_ms=interval[2],
            percentile_source=source,
        )
        series.add_point(SeriesPoint(t=t, rps=rps, fail_per_s=fail_per_s, p50_ms=interval[0],
                                     p95_ms=interval[1], p99_ms=interval[2], users=self._users))

    def _read_agents(self, agents: dict | None, t: float) -> None:
        total = as_dict(as_dict(agents).get("total"))
        for worker_id, report in as_dict(as_dict(agents).get("workers")).items():
            for crash in dicts(as_dict(report).get("crashes")):
                event = CrashEvent(ts=as_number(crash.get("ts")) or 0.0, worker_id=str(worker_id),
                                   user=as_text(crash.get("user")), reason=as_text(crash.get("reason")),
                                   stderr_tail=as_text(crash.get("stderr_tail")))
                identity = (event.worker_id, event.ts, event.user, event.reason)
                if identity not in self._crash_keys:
                    self._crash_keys.add(identity)
                    self._crash_log.append(event)
        if agents is not None:
            self._engine = as_text(total.get("engine")) or self._engine
        in_use = as_int(as_dict(total.get("ports")).get("in_use"))
        if in_use is not None:
            self._port_samples.append((t, in_use))
            while self._port_samples and self._port_samples[0][0] < t - PORT_TREND_S:
                self._port_samples.popleft()
        agent_counts = as_dict(total.get("agents"))
        memory = as_dict(total.get("memory"))
        known = agents is not None
        running = as_count(agent_counts.get("running"))
        if known and running and running >= self._peak[0]:
            self._peak = (running, memory)
        self._resources_append(ResourcePoint(
            t=t, users=self._users,
            agents_running=running if known else None,
            agents_crashed=as_count(agent_counts.get("crashed")) if known else None,
            ports_in_use=in_use,
            unique_bytes=as_count(memory.get("unique_bytes")) if known else None,
            shared_bytes=as_count(memory.get("shared_bytes")) if known else None,
        ))

    def _resources_append(self, point: ResourcePoint) -> None:
        if self._resources and int(self._resources[-1].t) == int(point.t):
            self._resources.pop()
        self._resources.append(point)

    # -- what readers get ---------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = self._clock()
            states = sorted(self._series.values(), key=lambda s: (s.type, s.name))
            total_state = self._series.get(("", AGGREGATED))
            endpoint_states = [s for s in states if s is not total_state]
            total = total_state.row if total_state and total_state.row else RequestRow(
                type="", name=AGGREGATED, count=0, failures=0, rps=0.0, fail_per_s=0.0,
                p50_ms=None, p95_ms=None, p99_ms=None, max_ms=None)
            history = tuple(Series(s.key, s.type, s.name, tuple(s.points))
                            for s in ([total_state] if total_state else []) + endpoint_states)
            return Snapshot(
                taken_at=now,
                status=self._status(now),
                total=total,
                requests=tuple(s.row for s in endpoint_states if s.row is not None),
                failures=self._failures,
                history=history,
                resources=tuple(self._resources),
                agents=self._agents_snapshot(),
                ports=self._ports_snapshot(),
                memory=self._memory_snapshot(),
            )

    def _status(self, now: float) -> RunStatus:
        elapsed = 0.0
        if self._started_at is not None:
            elapsed = max(0.0, (self._ended_at or now) - self._started_at)
        return RunStatus(
            mode=self._mode, master_url=self._master_url, state=self._state if not self._error else "unreachable",
            users=self._users,
            target_users=self._target_users, spawn_rate=self._spawn_rate, workers=self._workers,
            connected=self._connected, error=self._error, started_at=self._started_at, elapsed_s=elapsed,
            run_time_s=self._run_time_s, engine=self._engine, locustfiles=self._locustfiles,
            target=self._target,
        )

    def _agents_snapshot(self) -> AgentsSnapshot:
        if self._agents_payload is None:
            return AgentsSnapshot(known=False, target=self._target_users or self._users)
        counts = as_dict(as_dict(self._agents_payload.get("total")).get("agents"))
        recent = tuple(self._crash_log)[-20:]
        return AgentsSnapshot(
            known=True, running=as_count(counts.get("running")), target=self._target_users or self._users,
            started=as_count(counts.get("started")), crashed=as_count(counts.get("crashed")),
            restarted=as_count(counts.get("restarted")), start_failures=as_count(counts.get("start_failures")),
            reconnects=as_count(counts.get("reconnects")), recent_crashes=recent, crash_log=tuple(self._crash_log),
            peak_running=self._peak[0],
        )

    def _ports_snapshot(self) -> PortsSnapshot:
        ports = as_dict(as_dict(self._agents_payload).get("total")).get("ports")
        if not isinstance(ports, dict):
            return PortsSnapshot(known=False)
        trend = 0.0
        if len(self._port_samples) > 1:
            (t0, first), (t1, last) = self._port_samples[0], self._port_samples[-1]
            trend = (last - first) / (t1 - t0) if t1 > t0 else 0.0
        return PortsSnapshot(known=True, size=as_count(ports.get("size")), in_use=as_count(ports.get("in_use")),
                             in_use_max=as_count(ports.get("in_use_max")), refused=as_count(ports.get("refused")),
                             trend_per_s=trend)

    def _memory_snapshot(self) -> MemorySnapshot:
        host = self._host_memory()
        host_total = host.total_bytes if host else None
        host_available = host.available_bytes if host else None
        if self._agents_payload is None:
            return MemorySnapshot(known=False, host_total_bytes=host_total, host_available_bytes=host_available)
        memory = as_dict(as_dict(self._agents_payload.get("total")).get("memory"))
        per_worker = []
        for worker_id, report in sorted(as_dict(self._agents_payload.get("workers")).items()):
            report = as_dict(report)
            wm = as_dict(report.get("memory"))
            running = as_count(as_dict(report.get("agents")).get("running"))
            unique = as_count(wm.get("unique_bytes"))
            per_worker.append(WorkerMemory(
                worker_id=str(worker_id), engine=as_text(report.get("engine")), agents=running,
                agent_processes=as_count(wm.get("agent_processes")),
                worker_rss_bytes=as_count(wm.get("worker_rss_bytes")),
                worker_uss_bytes=as_int(wm.get("worker_uss_bytes")), unique_bytes=unique,
                shared_bytes=as_count(wm.get("shared_bytes")), pss_bytes=as_int(wm.get("pss_bytes")),
                per_agent_unique_bytes=unique / running if running else None,
                stale=report.get("stale") is True,
            ))
        agents = as_count(memory.get("agents"))
        unique = as_count(memory.get("unique_bytes"))
        per_agent = unique / agents if agents else None
        projected = int(host_available // per_agent) if per_agent and host_available is not None else None
        peak_agents, peak_memory = self._peak
        peak_unique = as_count(peak_memory.get("unique_bytes"))
        return MemorySnapshot(
            known=True, agents=agents, unique_bytes=unique, shared_bytes=as_count(memory.get("shared_bytes")),
            worker_rss_bytes=as_count(memory.get("worker_rss_bytes")), pss_bytes=as_int(memory.get("pss_bytes")),
            per_agent_unique_bytes=per_agent, per_worker=tuple(per_worker), host_total_bytes=host_total,
            host_available_bytes=host_available, projected_more_agents=projected,
            peak_agents=peak_agents, peak_unique_bytes=peak_unique,
            peak_shared_bytes=as_count(peak_memory.get("shared_bytes")),
            peak_per_agent_unique_bytes=peak_unique / peak_agents if peak_agents else None,
        )
