"""A snapshot from a recorded run: the recorded calls fed to a real MetricStore on the recorded clock.

The figures come from the store, as in a run; `record.py` tells how the recording was made.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from mediator_tui.core.metrics.memory import HostMemory
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.sources.probe import AdminCounts, AdminStatus, MetricsSample, ProbeSample, ProcessSample

RECORDED_RUN = Path(__file__).resolve().parents[1] / "data" / "recorded_run.json"


class RecordedClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@lru_cache(maxsize=4)
def recorded_calls(path: Path = RECORDED_RUN) -> tuple:
    return tuple(json.loads(path.read_text())["calls"])


def _probe_sample(raw: dict) -> ProbeSample:
    """A probe reading from its JSON (`record.py` writes dataclasses as objects, tuples as lists)."""

    def part(kind, value):
        if value is None:
            return None
        return kind(**{key: tuple(item) if isinstance(item, list) else item for key, item in value.items()})

    return ProbeSample(
        at=raw["at"],
        took_s=raw["took_s"],
        process=part(ProcessSample, raw["process"]),
        admin_status=part(AdminStatus, raw["admin_status"]),
        admin_counts=part(AdminCounts, raw["admin_counts"]),
        metrics=part(MetricsSample, raw["metrics"]),
        stalled_by=tuple(raw["stalled_by"]),
    )


def replay(
    path: Path = RECORDED_RUN, until_s: float | None = None, *, probe: bool = True
) -> tuple[MetricStore, RecordedClock]:
    """A store fed every recorded call, or those up to `until_s` seconds after the swarm began; without the
    mediator probe's readings when `probe` is False (for tests that feed readings of their own)."""
    calls = recorded_calls(path)
    clock = RecordedClock()
    store = None
    swarm = next(t for t, name, _, _ in calls if name == "swarm_requested")
    for t, name, args, kwargs in calls:
        if until_s is not None and t - swarm > until_s:
            break
        clock.t = t
        if name == "__init__":
            store = MetricStore(*args, clock=clock, **kwargs)
        elif name == "feed_probe":
            if probe:
                store.feed_probe(_probe_sample(args[0]))
        elif name == "feed_host_memory":
            store.feed_host_memory(HostMemory(**args[0]) if args[0] else None)
        elif name == "describe_run":
            store.describe_run(**{**kwargs, "locustfiles": tuple(kwargs.get("locustfiles", ()))})
        else:
            getattr(store, name)(*args, **kwargs)
    return store, clock


def ended_run() -> Snapshot:
    """The whole recorded run, as it is exported after the stop."""
    return replay()[0].snapshot()


# Every agent up, one frozen and one killed, both killed and restarted by then.
RUNNING_AT_S = 36.0


def running_run() -> Snapshot:
    """The recorded run while it goes on, as the dashboard shows it."""
    return replay(until_s=RUNNING_AT_S)[0].snapshot()
