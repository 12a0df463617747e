"""The mediator's own side: the probe's readings kept per second, and the figures read from them.

The probe (`core/sources/probe`, docs/mediator-probe.md) delivers a `ProbeSample` about once a second; a
source not read on a tick is None there, so its last reading stands until the next one. Each
figure comes from the best source that has it: the process on this host first (psutil), then
ACA-Py's admin API, then the Prometheus endpoint; but connections held come from the mediator's own
session count first (`_connections`).

The session gap (connections held against agents running) is judged only where it means something:
once every user is spawned and the load has settled, and not in the last seconds before the load
stops (`STOP_MARGIN_S`); the ramp's and the stop's transients (wallets onboarding, wallets
closing) show in the per-second points and the pane but are never the run's `session_gap_max`.
While the mediator does not answer, each point says why: saturated or stalled (`ProbeSample.state`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from mediator_tui.core.metrics.history import PerSecond
from mediator_tui.core.metrics.probe_samples import AdminCounts, AdminStatus, MetricsSample, ProbeSample, ProcessSample
from mediator_tui.core.metrics.slope import least_squares_slope
from mediator_tui.core.metrics.snapshot import MediatorPoint, MediatorSnapshot
from mediator_tui.core.metrics.throttling import Throttled, between, total

# Connections held and agents running are read at different moments: a difference this small is timing.
T = TypeVar("T")
Number = TypeVar("Number", int, float)

GAP_TOLERANCE = 2
# The seconds before a stop (the tool's, or Locust's own at its run time, which the store sees up to a
# poll later) in which wallets already close: their gap is the stop's, not the mediator's.
STOP_MARGIN_S = 5.0
# Memory per connection is a slope: it needs connections that spread this far, over this many seconds.
SLOPE_MIN_SPREAD = 10
SLOPE_MIN_POINTS = 5
# What each figure needs, said to the user when no source read gives it.
HINTS = {
    "cpu": "set MEDIATOR_PID (a mediator on this host) or MEDIATOR_METRICS_URL",
    "memory": "set MEDIATOR_PID (a mediator on this host) or MEDIATOR_METRICS_URL",
    "descriptors": "set MEDIATOR_PID (a mediator on this host)",
    "connections": "set MEDIATOR_PID, MEDIATOR_ADMIN_URL or MEDIATOR_METRICS_URL",
    "queue": "set MEDIATOR_METRICS_URL (or MEDIATOR_ADMIN_URL: ACA-Py's outbound buffer)",
    "queue age": "set MEDIATOR_METRICS_URL",
}


@dataclass(frozen=True)
class _Latest:
    """The last reading of each source (None: never read)."""

    process: ProcessSample | None = None
    status: AdminStatus | None = None
    counts: AdminCounts | None = None
    metrics: MetricsSample | None = None


def _first(*values: T | None) -> T | None:
    return next((v for v in values if v is not None), None)


def _gap_flag(gap: int | None) -> str | None:
    if gap is None or abs(gap) <= GAP_TOLERANCE:
        return None
    return "zombie" if gap > 0 else "lost"


def bytes_per_connection(points: tuple[MediatorPoint, ...]) -> float | None:
    """The slope of RSS against connections held (least squares): what one more connection costs."""
    pairs = [(p.connections, p.rss_bytes) for p in points if p.connections is not None and p.rss_bytes is not None]
    return least_squares_slope(
        pairs, min_points=SLOPE_MIN_POINTS, min_spread=SLOPE_MIN_SPREAD, unit="connections"
    ).value


class MediatorSeries:
    """The probe's readings; `clear_history` starts a run's figures anew, the latest readings stay."""

    def __init__(self, history_s: int):
        self._history_s = history_s
        self._latest = _Latest()
        self._sources: dict[str, None] = {}  # ordered set of what was read
        self._errors: dict[str, str] = {}
        self._stalled_by: tuple[str, ...] = ()
        self._state = ""
        self._cpu_seconds: tuple[float, float] | None = None  # (at, process_cpu_seconds) of the metrics endpoint
        self._metrics_cpu: float | None = None
        self.clear_history()

    def clear_history(self) -> None:
        self._points: PerSecond[MediatorPoint] = PerSecond(self._history_s)
        self._stalled_s = self._saturated_s = 0.0
        self._last_at: float | None = None
        self._stop_at: float | None = None
        self._throttled_run: Throttled | None = None

    def stopping(self, at: float) -> None:
        """The load stops at `at`: the gap of the seconds just before is the stop's (first call wins)."""
        if self._stop_at is None:
            self._stop_at = at

    def add(self, sample: ProbeSample, agents_running: int | None, gap_judged: bool = False) -> None:
        """One reading; `gap_judged`: the load is fully spawned and settled, so the gap means something."""
        latest = self._latest
        readings = (
            ("process", sample.process),
            ("admin status", sample.admin_status),
            ("admin counts", sample.admin_counts),
            ("metrics", sample.metrics),
            ("database", sample.database),
        )
        for source, reading in readings:
            if reading is None:
                continue
            self._sources[source.split()[0]] = None
            if reading.error:
                self._errors[source] = reading.error
            else:
                self._errors.pop(source, None)
            # A figure served as no usable number (NaN, negative, a string) is unknown, and says why.
            unknown = getattr(reading, "unknown", ())
            if unknown:
                self._errors[f"{source} figures"] = "unknown: " + "; ".join(unknown)
            else:
                self._errors.pop(f"{source} figures", None)
        throttled = between(latest.process, sample.process) if sample.process is not None else None
        if throttled is not None:
            self._throttled_run = total((self._throttled_run, throttled))
        self._latest = _Latest(
            process=sample.process or latest.process,
            status=sample.admin_status or latest.status,
            counts=sample.admin_counts or latest.counts,
            metrics=sample.metrics or latest.metrics,
        )
        if sample.metrics is not None:
            self._read_metrics_cpu(sample.at, sample.metrics)
        self._stalled_by, self._state = sample.stalled_by, sample.state
        if self._last_at is not None:
            since = max(0.0, sample.at - self._last_at)
            self._stalled_s += since if sample.stalled else 0.0
            self._saturated_s += since if sample.saturated else 0.0
        self._last_at = sample.at
        self._points.add(self._point(sample.at, agents_running, sample.state, gap_judged, throttled))

    def _read_metrics_cpu(self, at: float, metrics: MetricsSample) -> None:
        """CPU % of one core from the served `process_cpu_seconds_total` counter, between two scrapes."""
        seconds = metrics.process_cpu_seconds
        if seconds is None:
            self._cpu_seconds = self._metrics_cpu = None
            return
        if self._cpu_seconds is not None and at > self._cpu_seconds[0] and seconds >= self._cpu_seconds[1]:
            self._metrics_cpu = 100.0 * (seconds - self._cpu_seconds[1]) / (at - self._cpu_seconds[0])
        self._cpu_seconds = (at, seconds)

    def _point(
        self, t: float, agents_running: int | None, state: str, gap_judged: bool, throttled: Throttled | None
    ) -> MediatorPoint:
        process, status, metrics = self._latest.process, self._latest.status, self._latest.metrics
        connections, _ = self._connections()
        gap = connections - agents_running if connections is not None and agents_running is not None else None
        rss = _first(process and process.rss_bytes, metrics and metrics.process_rss_bytes)
        return MediatorPoint(
            t=t,
            cpu_percent=_first(process and process.cpu_percent, self._metrics_cpu),
            rss_bytes=None if rss is None else int(rss),
            uss_bytes=process and process.uss_bytes,
            open_fds=process and process.open_fds,
            threads=process and process.threads,
            connections=connections,
            agents_running=agents_running,
            session_gap=gap,
            queued_messages=_first(metrics and metrics.queued_messages, status and status.outbound_queued),
            queue_age_s=metrics and metrics.queue_oldest_age_s,
            state=state,
            gap_judged=gap_judged,
            throttled=throttled,
        )

    def _connections(self) -> tuple[int | None, str | None]:
        """The mediator's sessions, else its TCP connections: what is compared with the agents running.

        TCP counts what each engine's wallet holds, not the wallets: a credo wallet (Credo's
        HttpOutboundTransport over Node's fetch) posts its pings and messages to the mediator's first
        endpoint, http, over a keep-alive connection beside its pickup websocket, and lets it go after a
        few idle seconds; so one to two per wallet. A session is one per wallet in every engine, and
        one the mediator keeps after its socket died still counts."""
        process, status, metrics = self._latest.process, self._latest.status, self._latest.metrics
        for value, source in (
            (status and status.sessions, "admin sessions"),
            (metrics and metrics.live_sessions, "live sessions"),
            (process and process.established, "tcp"),
        ):
            if value is not None:
                return int(value), source
        return None, None

    def _unknown(self, last: MediatorPoint | None) -> tuple[tuple[str, str], ...]:
        """Figures no source read can give, with the setting that would (a failing source is an error instead)."""
        read = set(self._sources)
        could = {
            "cpu": {"process", "metrics"},
            "memory": {"process", "metrics"},
            "descriptors": {"process"},
            "connections": {"process", "admin", "metrics"},
            "queue": {"admin", "metrics"},
            "queue age": {"metrics"},
        }
        value = {
            "cpu": last and last.cpu_percent,
            "memory": last and last.rss_bytes,
            "descriptors": last and last.open_fds,
            "connections": last and last.connections,
            "queue": last and last.queued_messages,
            "queue age": last and last.queue_age_s,
        }
        return tuple(
            (figure, HINTS[figure])
            for figure, sources in could.items()
            if value[figure] is None and not (sources & read)
        )

    def snapshot(self, agents_running: int | None) -> MediatorSnapshot:
        # The seconds just before a stop were judged as they came; the stop, seen since, takes them back.
        points = tuple(
            replace(p, gap_judged=False) if p.gap_judged and self._near_stop(p.t) else p for p in self._points.points()
        )
        if not self._sources:
            return MediatorSnapshot(agents_running=agents_running, unknown=self._unknown(None))
        last = points[-1] if points else None
        connections, connections_from = self._connections()
        gap = connections - agents_running if connections is not None and agents_running is not None else None
        judged = [p for p in points if p.gap_judged]
        gaps = [abs(p.session_gap) for p in judged if p.session_gap is not None]
        return MediatorSnapshot(
            known=True,
            sources=tuple(self._sources),
            cpu_percent=last and last.cpu_percent,
            rss_bytes=last and last.rss_bytes,
            uss_bytes=last and last.uss_bytes,
            open_fds=last and last.open_fds,
            threads=last and last.threads,
            connections=connections,
            connections_from=connections_from,
            agents_running=agents_running,
            session_gap=gap,
            session_gap_flag=_gap_flag(gap) if last is not None and last.gap_judged else None,
            bytes_per_connection=bytes_per_connection(points),
            queued_messages=last and last.queued_messages,
            queue_age_s=last and last.queue_age_s,
            state=self._state,
            stalled_by=self._stalled_by,
            stalled_s=self._stalled_s,
            saturated_s=self._saturated_s,
            errors=tuple(self._errors.items()),
            unknown=self._unknown(last),
            cpu_percent_max=_max(p.cpu_percent for p in points),
            rss_bytes_max=_max(p.rss_bytes for p in points),
            connections_max=_max(p.connections for p in points),
            session_gap_max=max(gaps, default=None),
            session_gap_judged_s=float(len(judged) * self._points.step_s),
            queue_age_s_max=_max(p.queue_age_s for p in points),
            throttled=self._throttled_run,
            history=points,
        )

    def _near_stop(self, t: float) -> bool:
        return self._stop_at is not None and t > self._stop_at - STOP_MARGIN_S


def _max(values: Iterable[Number | None]) -> Number | None:
    return max((v for v in values if v is not None), default=None)
