"""Delivery figures: the workers' ledgers (summed by the master) as run totals, exact latency
percentiles and one point per second.

The agents view carries cumulative counters and a cumulative latency histogram since the last
reset; a second's figures are the difference between the last sample of that second and the
last one before it, so nothing is counted twice however often the store is fed.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.contracts.worker_report import DeliveryReport
from mediator_tui.core.metrics import percentiles as pct
from mediator_tui.core.metrics.history import PerSecond
from mediator_tui.core.metrics.snapshot import DeliveryPoint, DeliverySnapshot


@dataclass(frozen=True)
class _Sample:
    t: float
    report: DeliveryReport


class DeliveryTrack:
    def __init__(self, history_len: int):
        self._points: PerSecond[DeliveryPoint] = PerSecond(history_len)
        self._before: _Sample | None = None  # the last sample of an earlier second
        self._latest: _Sample | None = None

    def add(self, t: float, view: AgentsView | None) -> None:
        if view is None:
            return
        sample = _Sample(t, view.total.delivery)
        latest = self._latest
        if latest is not None and _was_reset(latest.report, sample.report):
            latest = self._before = None  # counters were reset (stats reset, workers replaced)
        if latest is not None and int(latest.t) != int(t):
            self._before = latest
        self._latest = sample
        self._points.add(_point(sample, self._before))

    def snapshot(self) -> DeliverySnapshot:
        if self._latest is None:
            return DeliverySnapshot(known=False)
        counts, latency = self._latest.report.counts, self._latest.report.latency_ms
        return DeliverySnapshot(
            known=True,
            sent=counts.sent,
            delivered=counts.delivered,
            lost=counts.lost,
            in_flight=counts.in_flight,
            duplicated=counts.duplicated,
            late=counts.late,
            out_of_order=counts.out_of_order,
            p50_ms=pct.percentile(latency, 0.50),
            p95_ms=pct.percentile(latency, 0.95),
            p99_ms=pct.percentile(latency, 0.99),
            max_ms=max(latency) if latency else None,
            points=self._points.points(),
            latency_ms=tuple(sorted(latency.items())),
        )


# Counters that only a reset lowers: `sent` (and `lost`) also fall when a failed send is withdrawn
# (locust_support/delivery_ledger.py, DeliveryLedger.send), which must not read as a reset.
_NEVER_WITHDRAWN = ("delivered", "duplicated", "late", "out_of_order")


def _was_reset(before: DeliveryReport, now: DeliveryReport) -> bool:
    return any(getattr(now.counts, name) < getattr(before.counts, name) for name in _NEVER_WITHDRAWN)


def _point(sample: _Sample, before: _Sample | None) -> DeliveryPoint:
    now = sample.report.counts
    then = before.report.counts if before is not None else None
    latency = pct.subtract(sample.report.latency_ms, before.report.latency_ms if before is not None else {})

    def in_s(name: str) -> int:
        counted: int = getattr(now, name) - (getattr(then, name) if then is not None else 0)
        return max(0, counted)

    return DeliveryPoint(
        t=sample.t,
        sent=now.sent,
        delivered=now.delivered,
        lost=now.lost,
        in_flight=now.in_flight,
        duplicated=now.duplicated,
        late=now.late,
        out_of_order=now.out_of_order,
        sent_in_s=in_s("sent"),
        delivered_in_s=in_s("delivered"),
        lost_in_s=in_s("lost"),
        duplicated_in_s=in_s("duplicated"),
        p50_ms=pct.percentile(latency, 0.50),
        p95_ms=pct.percentile(latency, 0.95),
        p99_ms=pct.percentile(latency, 0.99),
    )
