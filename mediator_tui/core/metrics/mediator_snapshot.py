"""The mediator's side of a run's snapshot, as the probe read it: one second of it, and the run's whole.

Part of the snapshot (core/metrics/snapshot.py) and held to its rules: computed by the metric store, frozen,
the same units, `None` where not known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from mediator_tui.core.metrics.probe_samples import MediatorState
from mediator_tui.core.metrics.throttling import Throttled


@final  # never false, for a type checker: read as `last and last.figure`
@dataclass(frozen=True)
class MediatorPoint(MediatorState):
    """One second of the mediator's own side (the probe), for charts and mediator.csv."""

    t: float
    cpu_percent: float | None = None
    rss_bytes: int | None = None
    uss_bytes: int | None = None
    open_fds: int | None = None
    threads: int | None = None
    connections: int | None = None  # connections or sessions the mediator holds
    agents_running: int | None = None  # what the workers say at that second
    session_gap: int | None = None  # connections - agents_running
    queued_messages: float | None = None
    queue_age_s: float | None = None
    state: str = ""  # why the mediator did not answer: "saturated", "stalled"; "" while it answered
    gap_judged: bool = False  # every user spawned, the load settled: the gap of this second is judged
    throttled: Throttled | None = None  # its CPU throttling in that second; None: no cgroup counters read


@dataclass(frozen=True)
class MediatorSnapshot(MediatorState):
    """The mediator's side as the probe read it; every figure None where unknown.

    `sources` says what was read (`process`, `admin`, `metrics`); `errors` holds one
    (source, text) per source whose latest reading failed; `unknown` one (figure, setting)
    per figure that no configured source can give, with the setting that enables it."""

    known: bool = False  # any probe reading arrived
    sources: tuple[str, ...] = ()
    cpu_percent: float | None = None  # in % of one core
    rss_bytes: int | None = None
    uss_bytes: int | None = None
    open_fds: int | None = None
    threads: int | None = None
    connections: int | None = None
    connections_from: str | None = None  # which reading `connections` is: "tcp", "admin sessions", "live sessions"
    agents_running: int | None = None
    session_gap: int | None = None
    # "zombie" (the mediator holds more than the agents running) / "lost" (fewer), beyond the tolerance.
    session_gap_flag: str | None = None
    bytes_per_connection: float | None = None  # slope of RSS over connections held; None until they spread
    queued_messages: float | None = None
    queue_age_s: float | None = None
    # Why the mediator does not answer now (core/sources/probe/state.py): "saturated" (its process busy),
    # "stalled" (idle or stopped, or no CPU reading to tell); "" while it answers. `stalled_by`: what did not.
    state: str = ""
    stalled_by: tuple[str, ...] = ()
    stalled_s: float = 0.0  # seconds of this run the mediator was stalled
    saturated_s: float = 0.0  # seconds of this run the mediator was saturated
    errors: tuple[tuple[str, str], ...] = ()
    unknown: tuple[tuple[str, str], ...] = ()
    cpu_percent_max: float | None = None
    rss_bytes_max: int | None = None
    connections_max: int | None = None
    # The widest gap either way (the largest |session_gap|) where it is judged: every user spawned and
    # settled, away from the stop; `session_gap_judged_s` says over how many seconds.
    session_gap_max: int | None = None
    session_gap_judged_s: float = 0.0
    queue_age_s_max: float | None = None
    throttled: Throttled | None = None  # its CPU throttling over the run; None: no cgroup counters read
    history: tuple[MediatorPoint, ...] = ()
