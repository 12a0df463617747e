"""Why a mediator does not answer: saturated (its process busy) or stalled (its process idle or stopped).

An admin API or metrics endpoint that answers late or not at all looks the same from outside whether the
mediator is buried in work or frozen. The process tells them apart: read in the same tick, a process
using most of what it may use (a core, or its CPU limit when that is less) is saturated; one that uses
next to nothing, or is stopped (SIGSTOP), is stalled. Without a CPU reading (a remote mediator whose
endpoints stall) nothing tells them apart, and the state stays "stalled", as before this distinction.
"""

from __future__ import annotations

from mediator_tui.core.metrics.probe_samples import SATURATED, STALLED, ProcessSample

# "Most of" a core or of the limit: a Python mediator's event loop is one thread, so it saturates at one core.
BUSY_SHARE = 0.8


def busy_percent(cpu_limit_cores: float | None) -> float:
    """The CPU (in % of one core) from which a process counts as busy: most of a core, or of a lower limit."""
    ceiling = 1.0 if cpu_limit_cores is None else min(1.0, cpu_limit_cores)
    return 100.0 * BUSY_SHARE * ceiling


def mediator_state(unanswered: tuple[str, ...], process: ProcessSample | None, cpu_limit_cores: float | None) -> str:
    """ "" while every source answers; else `SATURATED` or `STALLED`, judged on this tick's process reading."""
    if not unanswered:
        return ""
    if process is None or process.stalled or process.cpu_percent is None:
        return STALLED
    return SATURATED if process.cpu_percent >= busy_percent(cpu_limit_cores) else STALLED
