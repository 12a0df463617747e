"""Why a mediator does not answer: saturated (its process busy) or stalled (its process idle or stopped).

An admin API or metrics endpoint that answers late or not at all looks the same from outside whether the
mediator is buried in work or frozen. The process tells them apart: read in the same tick, a process
using most of what it may use (more than half of a core, or of the CPU limit its cgroup holds when that
is less: a `MEDIATOR_CPU_LIMIT`, a container's), or held back by that limit in a quarter of its periods
or more, is saturated; one that uses less, or is stopped (SIGSTOP), is stalled. The throttling counts
where the CPU reading cannot: on a host whose other load leaves a limited mediator less than its quota,
it still hits the quota in the periods it runs. Without a CPU reading (a remote mediator whose
endpoints stall) nothing tells them apart, and the state stays "stalled", as before this distinction.
"""

from __future__ import annotations

from mediator_tui.core.metrics.probe_samples import SATURATED, STALLED, ProcessSample
from mediator_tui.core.metrics.throttling import THROTTLED_HIGH_PERCENT, Throttled

# "Most of" a core or of the limit: a Python mediator's event loop is one thread, so it saturates at one core;
# a frozen, deadlocked or waiting one uses next to nothing.
BUSY_SHARE = 0.5


def busy_percent(cpu_limit_cores: float | None) -> float:
    """The CPU (in % of one core) from which a process counts as busy: most of a core, or of a lower limit."""
    ceiling = 1.0 if cpu_limit_cores is None else min(1.0, cpu_limit_cores)
    return 100.0 * BUSY_SHARE * ceiling


def mediator_state(unanswered: tuple[str, ...], process: ProcessSample | None, throttled: Throttled | None) -> str:
    """Empty while every source answers; else `SATURATED` or `STALLED`, judged on this tick's process reading
    and its throttling since the one before."""
    if not unanswered:
        return ""
    if process is None or process.stalled or process.cpu_percent is None:
        return STALLED
    busy = process.cpu_percent >= busy_percent(process.cpu_limit_cores)
    held_back = throttled is not None and throttled.percent >= THROTTLED_HIGH_PERCENT
    return SATURATED if busy or held_back else STALLED
