"""Request series: rates from count deltas, interval percentiles, one point per second.

Rates come from count deltas over a short window (`rate_window_s`, default 3 s)
instead of Locust's `current_rps`, a 10 s average ending 2 s back. The window is not
1 s because the master only learns counts when a worker reports: a one-second delta
would swing between zero and several times the real rate.

When the master serves request histograms (uncached counts and cumulative
response-time histograms, `mediator_tui.contracts.request_histograms`), counts come
from there and interval percentiles are exact: the histogram at the start of the
window is subtracted from the latest one. Without them, the aggregated row takes
Locust's own recent-window p50/p95 (about 10 s) and everything else the cumulative
percentiles; `percentile_source` says which.
"""

from __future__ import annotations

import collections
import dataclasses
from dataclasses import dataclass

from mediator_tui.contracts.request_histograms import Histogram, RequestHistograms
from mediator_tui.core.metrics import percentiles as pct
from mediator_tui.core.metrics.history import PerSecond
from mediator_tui.core.metrics.readers import MasterStats, StatsRow
from mediator_tui.core.metrics.snapshot import AGGREGATED, RequestHistory, RequestRow, SeriesPoint

Key = tuple[str, str]  # (type, name); ("", AGGREGATED) for the total


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
        self.points: PerSecond[SeriesPoint] = PerSecond(history_len)
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

    def repeat_point(self, t: float) -> None:
        if self.points.last is not None:
            self.points.add(dataclasses.replace(self.points.last, t=t))


class RequestSeries:
    def __init__(self, rate_window_s: float, history_len: int):
        self._rate_window_s = rate_window_s
        self._history_len = history_len
        self._series: dict[Key, _SeriesState] = {}
        # The polls inside the rate window, with their uncached counts: an endpoint that appears later is
        # given what it counted at each (none, or the route's count), so its rate covers the same window
        # as the aggregated row's, which counted its first requests all along.
        self._polls: collections.deque[tuple[float, dict[Key, Histogram] | None]] = collections.deque()

    def repeat(self, t: float) -> None:
        """No news this poll (Locust served its 2 s cache): the history still gets this second."""
        for series in self._series.values():
            series.repeat_point(t)

    def add(self, stats: MasterStats, histograms: RequestHistograms | None, t: float) -> None:
        live = _live_counts(histograms)
        for row in stats.rows:
            self._add_row(row, stats, live, t)
        self._polls.append((t, live))
        while len(self._polls) > 1 and self._polls[1][0] <= t - self._rate_window_s:
            self._polls.popleft()

    def _add_row(self, row: StatsRow, stats: MasterStats, live: dict[Key, Histogram] | None, t: float) -> None:
        key = (row.method, row.name)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _SeriesState(key[0], key[1], self._history_len)
            series.samples.extend(_earlier_sample(key, at, counted) for at, counted in self._polls)
        fresh = live.get(key) if live else None
        if fresh is not None:
            count, failures, histogram = fresh.num_requests, fresh.num_failures, fresh.response_times
        else:
            count, failures, histogram = row.count, row.failures, None
        base = series.add_sample(_Sample(t, count, failures, histogram), self._rate_window_s)
        span = t - base.t
        rps = (count - base.count) / span if span > 0 else 0.0
        fail_per_s = (failures - base.failures) / span if span > 0 else 0.0

        cumulative = (row.median_ms, row.p95_ms, row.p99_ms) if count else (None, None, None)
        if histogram is not None and base.histogram is not None:
            interval_hist = {} if base is series.samples[-1] else pct.subtract(histogram, base.histogram)
            interval = tuple(pct.percentile(interval_hist, f) for f in (0.5, 0.95, 0.99))
            source = "histogram"
        elif key == ("", AGGREGATED) and stats.window is not None and count:
            interval = (*stats.window, cumulative[2])
            source = "window"
        else:
            interval, source = cumulative, "cumulative"

        series.row = RequestRow(
            type=key[0],
            name=key[1],
            count=count,
            failures=failures,
            rps=rps,
            fail_per_s=fail_per_s,
            p50_ms=cumulative[0],
            p95_ms=cumulative[1],
            p99_ms=cumulative[2],
            max_ms=row.max_ms if count else None,
            min_ms=row.min_ms if count else None,
            avg_ms=row.avg_ms if count else None,
            avg_rps=row.total_rps or 0.0,
            interval_p50_ms=interval[0],
            interval_p95_ms=interval[1],
            interval_p99_ms=interval[2],
            percentile_source=source,
            interval_p99_source="cumulative" if source == "window" else source,
            response_times=tuple(sorted(histogram.items())) if histogram else (),
        )
        series.points.add(
            SeriesPoint(
                t=t,
                rps=rps,
                fail_per_s=fail_per_s,
                p50_ms=interval[0],
                p95_ms=interval[1],
                p99_ms=interval[2],
                users=stats.users,
            )
        )

    # -- what the snapshot takes -------------------------------------------------------------

    def _ordered(self) -> tuple[_SeriesState | None, list[_SeriesState]]:
        total = self._series.get(("", AGGREGATED))
        endpoints = [s for s in sorted(self._series.values(), key=lambda s: (s.type, s.name)) if s is not total]
        return total, endpoints

    def total(self) -> RequestRow:
        total, _ = self._ordered()
        if total is not None and total.row is not None:
            return total.row
        return RequestRow(
            type="",
            name=AGGREGATED,
            count=0,
            failures=0,
            rps=0.0,
            fail_per_s=0.0,
            p50_ms=None,
            p95_ms=None,
            p99_ms=None,
            max_ms=None,
        )

    def rows(self) -> tuple[RequestRow, ...]:
        _, endpoints = self._ordered()
        return tuple(s.row for s in endpoints if s.row is not None)

    def history(self) -> tuple[RequestHistory, ...]:
        total, endpoints = self._ordered()
        return tuple(
            RequestHistory(s.key, s.type, s.name, s.points.points(), s.points.step_s)
            for s in ([total] if total else []) + endpoints
        )


def _earlier_sample(key: Key, t: float, live: dict[Key, Histogram] | None) -> _Sample:
    """An endpoint at a poll before Locust's payload listed it: the route's uncached count if it had one, else
    no request yet."""
    entry = live.get(key) if live else None
    if entry is not None:
        return _Sample(t, entry.num_requests, entry.num_failures, entry.response_times)
    return _Sample(t, 0, 0, None if live is None else {})


def _live_counts(histograms: RequestHistograms | None) -> dict[Key, Histogram] | None:
    """Uncached counts and histograms per endpoint, when the master serves them."""
    if histograms is None:
        return None
    found = {(h.method, h.name): h for h in histograms.entries}
    if histograms.total is not None:
        found[("", AGGREGATED)] = histograms.total
    return found
