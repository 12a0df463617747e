"""mediator.csv: the mediator probe's figures, one row per second."""

from __future__ import annotations

from mediator_tui.core.export.tables import _cell, _csv, iso_time
from mediator_tui.core.metrics.snapshot import Snapshot

MEDIATOR_COLUMNS = (
    "cpu_percent",
    "rss_bytes",
    "uss_bytes",
    "open_fds",
    "threads",
    "connections",
    "agents_running",
    "session_gap",
    "queued_messages",
    "queue_age_s",
)


def mediator_csv(snapshot: Snapshot) -> str:
    """The mediator probe's figures, one row per second; an unknown figure is an empty cell. `state` says why
    the mediator did not answer that second (saturated, stalled; empty while it answered), `stalled` is 1 in
    its stalled seconds, `gap_judged` 1 in the seconds whose session gap the run is judged on; `throttled_percent`
    and `throttled_s` are that second's CPU throttling: the share of its CFS periods and the time held back."""
    return _csv(
        ["time", "ts", *MEDIATOR_COLUMNS, "stalled", "state", "gap_judged", "throttled_percent", "throttled_s"],
        (
            [
                iso_time(p.t),
                _cell(p.t),
                *(_cell(getattr(p, column)) for column in MEDIATOR_COLUMNS),
                int(p.stalled),
                p.state,
                int(p.gap_judged),
                *(("", "") if p.throttled is None else (_cell(p.throttled.percent), _cell(p.throttled.throttled_s))),
            ]
            for p in snapshot.mediator.history
        ),
    )
