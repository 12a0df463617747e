"""The onboarding figures of an export: summary.json's `onboarding` section and onboarding.csv."""

from __future__ import annotations

from typing import Any

from mediator_tui.core.export.tables import _cell, _csv, iso_time
from mediator_tui.core.metrics.snapshot import Snapshot

ONBOARDING_FILE = "onboarding.csv"


def onboarding_fields(snapshot: Snapshot) -> dict[str, Any]:
    """The run's onboarding: how many, how fast at best, how long one took, the most left waiting."""
    figures = snapshot.onboarding
    if not figures.known:
        return {"known": False}
    return {
        "known": True,
        "onboarded": figures.onboarded,
        "failures": figures.failures,
        "peak_per_s": None if figures.peak_per_s is None else round(figures.peak_per_s, 3),
        "p95_ms": figures.p95_ms_total,
        "peak_backlog": figures.peak_backlog,
        # Still waiting or in flight when the export was written (a run stopped before all onboarded).
        "backlog_at_end": figures.backlog,
    }


def onboarding_csv(snapshot: Snapshot) -> str:
    """One row per second: onboarded so far, per second, and the backlog (waiting + in flight) with the cap."""
    figures = snapshot.onboarding
    return _csv(
        ["time", "ts", "onboarded", "onboarded_per_s", "waiting", "in_flight", "backlog", "cap", "seconds_per_point"],
        (
            [
                iso_time(p.t),
                _cell(p.t),
                p.onboarded,
                _cell(p.per_s),
                p.waiting,
                p.in_flight,
                p.waiting + p.in_flight,
                p.cap,
                figures.seconds_per_point,
            ]
            for p in figures.points
        ),
    )
