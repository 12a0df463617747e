"""The mediator's CPU throttling over a span (one second, a capacity step's window, the run), from the counters of
its cgroup's `cpu.stat` that the probe reads (`ProcessSample`, core/mediator/cpu_limit.py).

The kernel runs a CPU-limited cgroup in periods of 100 ms and stops it for the rest of a period once it used its
quota there: such a period counts as throttled. The figure a user reads is `mediator_throttled`, the share of the
periods the mediator ran in that were throttled, in %: 0 for a mediator within its limit, near 100 for one that
wants more CPU in every period than it may have (https://docs.kernel.org/scheduler/sched-bwc.html, "Statistics").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import final

from mediator_tui.core.metrics.probe_samples import ProcessSample

# Throttled in a quarter of its periods or more, the mediator is short of CPU: the share at which Kubernetes'
# own alert fires (https://runbooks.prometheus-operator.dev/runbooks/kubernetes/cputhrottlinghigh/).
THROTTLED_HIGH_PERCENT = 25.0


@final
@dataclass(frozen=True)
class Throttled:
    """CPU throttling over a span: the CFS periods the mediator ran in, those the kernel throttled at its CPU
    limit, the seconds it was held back in all, and the limit its cgroup holds (cores; None: none)."""

    cfs_periods: int = 0
    throttled_periods: int = 0
    throttled_s: float = 0.0
    cpu_limit_cores: float | None = None

    @property
    def percent(self) -> float:
        """`mediator_throttled`: the % of the span's CFS periods that were throttled (0 when none ran)."""
        return 100.0 * self.throttled_periods / self.cfs_periods if self.cfs_periods else 0.0


def between(before: ProcessSample | None, after: ProcessSample | None) -> Throttled | None:
    """The throttling between two readings of the process; None where either holds no cgroup counters.

    Counters that went down belong to a new cgroup (the mediator restarted): what `after` holds is all since."""
    if after is None or after.cfs_periods is None or after.throttled_periods is None or after.throttled_s is None:
        return None
    if before is None or before.cfs_periods is None or before.throttled_periods is None or before.throttled_s is None:
        return None
    restarted = after.cfs_periods < before.cfs_periods or after.throttled_periods < before.throttled_periods
    if restarted:
        return Throttled(after.cfs_periods, after.throttled_periods, after.throttled_s, after.cpu_limit_cores)
    return Throttled(
        after.cfs_periods - before.cfs_periods,
        after.throttled_periods - before.throttled_periods,
        max(0.0, after.throttled_s - before.throttled_s),
        after.cpu_limit_cores,
    )


def total(spans: Iterable[Throttled | None]) -> Throttled | None:
    """The spans added up, with the last one's limit; None when none is known."""
    known = [span for span in spans if span is not None]
    if not known:
        return None
    return Throttled(
        sum(s.cfs_periods for s in known),
        sum(s.throttled_periods for s in known),
        sum(s.throttled_s for s in known),
        known[-1].cpu_limit_cores,
    )


# Where the cores a mediator may use come from (summary.json's `mediator.cpu_cores_allowed_from`).
FROM_LIMIT, FROM_HOST, FROM_HOST_UNREAD = "cgroup limit", "host cores", "host cores (cgroup unreadable)"


def cores_allowed(throttled: Throttled | None, host_cores: int | None) -> tuple[float, str] | None:
    """The cores a mediator on this host may use, and whence: its cgroup's CPU limit (quota / period) when it
    holds one below the host's cores, else the host's cores; None when the host's cores are unknown.

    `throttled` None (no cgroup counters read) falls back to the host's cores, and says so: a limit the probe
    cannot see is not counted."""
    if not host_cores or host_cores < 1:
        return None
    limit = throttled.cpu_limit_cores if throttled is not None else None
    if limit is not None and 0 < limit < host_cores:
        return limit, FROM_LIMIT
    return float(host_cores), FROM_HOST if throttled is not None else FROM_HOST_UNREAD
