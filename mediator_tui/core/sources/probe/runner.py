"""The probe's thread: about one `ProbeSample` a second to a callback, at a bounded cost to the mediator.

Per tick: the process first and the embedded PostgreSQL's log (local and cheap; read before any call that
may wait, so a slow admin call neither delays nor stretches the CPU reading of its tick), then the metrics
endpoint and ACA-Py's `/status` (one call each), and every `COUNTS_EVERY_S` the admin record counts (three
list calls, skipped while `/status` fails). A source that fails or answers slowly is read less often
(doubling up to 15 s) until it answers well again, so a struggling mediator is not loaded further by its
own probe. While a source does not answer, the tick's process reading says why (`state.mediator_state`):
saturated or stalled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from mediator_tui.common.http_request import printable
from mediator_tui.core.metrics.probe_samples import (
    AdminCounts,
    AdminStatus,
    DatabaseSample,
    MetricsSample,
    ProbeSample,
    ProcessSample,
)
from mediator_tui.core.metrics.throttling import between
from mediator_tui.core.sources.probe.admin_reader import AdminReader
from mediator_tui.core.sources.probe.backoff import Backoff
from mediator_tui.core.sources.probe.database_reader import DatabaseReader
from mediator_tui.core.sources.probe.metrics_reader import MetricsReader
from mediator_tui.core.sources.probe.process_reader import ProcessReader
from mediator_tui.core.sources.probe.state import mediator_state
from mediator_tui.core.sources.probe.target import ProbeTarget

INTERVAL_S = 1.0
COUNTS_EVERY_S = 5.0
# A reading slower than this is healthy but heavy: the source is read less often.
SLOW_S = 1.0

log = logging.getLogger(__name__)

Reading = TypeVar("Reading", ProcessSample, AdminStatus, AdminCounts, MetricsSample, DatabaseSample)


class ProcessSource(Protocol):
    def read(self) -> ProcessSample: ...


class AdminSource(Protocol):
    def read_status(self) -> AdminStatus: ...

    def read_counts(self) -> AdminCounts: ...


class MetricsSource(Protocol):
    def read(self) -> MetricsSample: ...


@dataclass(frozen=True)
class Readers:
    """What a runner reads; None: not configured."""

    process: ProcessSource | None = None
    admin: AdminSource | None = None
    metrics: MetricsSource | None = None

    @classmethod
    def of(cls, target: ProbeTarget) -> Readers:
        return cls(
            process=ProcessReader(target.pid, target.ports, target.probe_ports()) if target.pid is not None else None,
            admin=AdminReader(target.admin_url, target.admin_headers) if target.admin_url else None,
            metrics=MetricsReader(target.metrics_url, target.metric_names) if target.metrics_url else None,
        )


class ProbeRunner:
    def __init__(
        self,
        target: ProbeTarget,
        deliver: Callable[[ProbeSample], None],
        interval_s: float = INTERVAL_S,
        counts_every_s: float = COUNTS_EVERY_S,
        *,
        readers: Readers | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ):
        self.target = target
        self._deliver = deliver
        self.interval_s = interval_s
        self._clock, self._wall_clock = clock, wall_clock
        readers = readers or Readers.of(target)
        self._process, self._admin, self._metrics = readers.process, readers.admin, readers.metrics
        self._database = (
            DatabaseReader(target.database_log, target.database_max_connections, target.database_log_offset)
            if target.database_log
            else None
        )
        self._schedules = {
            "admin status": Backoff(interval_s),
            "admin counts": Backoff(counts_every_s),
            "metrics": Backoff(interval_s),
        }
        self._last_process: ProcessSample | None = None  # for the throttling between two ticks
        self._stalled: dict[str, None] = {}  # source -> (ordered set) whose latest reading stalled
        self._status_failing = False  # the admin API's latest `/status` failed or stalled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ProbeRunner:
        self._thread = threading.Thread(target=self._run, name="mediator-probe", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> ProbeRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self._deliver(self.tick())
            except Exception:  # the consumer's fault must not end the probe
                log.exception("mediator probe: the sample callback failed")
            # A tick that overran (a stalled source) starts the next one at once, never a burst to catch up.
            next_at = max(next_at + self.interval_s, time.monotonic())
            self._stop.wait(next_at - time.monotonic())

    def tick(self) -> ProbeSample:
        """Read every source that is due, once; what `start()` does each interval. Never raises: a source
        whose reading raised is that source's error, and the others are read all the same."""
        at, started = self._wall_clock(), self._clock()
        process = _guarded("process", ProcessSample, self._process.read) if self._process is not None else None
        throttled = None
        if process is not None:
            self._note("process", process.stalled)
            throttled = between(self._last_process, process)
            self._last_process = process
        metrics = self._read("metrics", MetricsSample, self._metrics.read) if self._metrics else None
        database = _guarded("database", DatabaseSample, self._database.read) if self._database else None
        status = counts = None
        if self._admin is not None:
            status = self._read("admin status", AdminStatus, self._admin.read_status)
            if status is not None:
                self._status_failing = status.error is not None
            # While the same API fails its cheap call, a list walk would only wait longer or fail for the
            # same cause (a wrong URL, a 401): the user gets one message for the one fault.
            if not self._status_failing:
                counts = self._read("admin counts", AdminCounts, self._admin.read_counts)
        unanswered = tuple(self._stalled)
        return ProbeSample(
            at=at,
            took_s=self._clock() - started,
            process=process,
            admin_status=status,
            admin_counts=counts,
            metrics=metrics,
            database=database,
            stalled_by=unanswered,
            state=mediator_state(unanswered, process, throttled),
        )

    def _read(self, source: str, kind: type[Reading], read: Callable[[], Reading]) -> Reading | None:
        schedule = self._schedules[source]
        if not schedule.due(self._clock()):
            return None
        sample = _guarded(source, kind, read)
        healthy = sample.error is None and not sample.stalled and (sample.took_s or 0.0) <= SLOW_S
        # Counted from the answer (or the timeout), so a slow source gets its whole interval of rest.
        schedule.done(self._clock(), healthy=healthy)
        self._note(source, sample.stalled)
        if sample.error is not None and schedule.interval_s > schedule.base_s:
            sample = replace(
                sample, error=f"{sample.error} (failing: read every {schedule.interval_s:g} s until it answers)"
            )
        return sample

    def _note(self, source: str, stalled: bool) -> None:
        if stalled:
            self._stalled[source] = None
        else:
            self._stalled.pop(source, None)


def _guarded(source: str, kind: type[Reading], read: Callable[[], Reading]) -> Reading:
    """`read()`, or its exception as a `kind` carrying the error: nothing a server sends (or a reader's own
    defect) ends the probe, and the local process goes on being read."""
    started = time.monotonic()
    try:
        return read()
    except Exception as err:
        log.warning("mediator probe: reading %s raised %s", source, type(err).__name__)
        return kind(
            error=f"{source}: the reading failed ({type(err).__name__}: {printable(str(err))})",
            took_s=time.monotonic() - started,
        )
