"""The figures of a reconnect storm (the mediator restarted under its connected wallets): how long after its
return 50, 95 and 100 % of the wallets were back, the curve they came back along, what failed meanwhile, and
the mediator's CPU while they came back. Made by the storm's driver (`mediator_tui.core.run.storm`), written
by the export (summary.json's `storm`, storm.csv).

A wallet is back when its websocket to the mediator is open again: the workers count each reopened link
(`AgentsSnapshot.reconnects`), so the wallets back are the reconnects since the storm began, at most the
wallets it began with. Workers report each second and the tool reads them each second: the times are good to
about two seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from mediator_tui.core.metrics.snapshot import FailureRow

PERCENTS = (50, 95, 100)


@dataclass(frozen=True)
class StormPoint:
    since_return_s: float  # seconds after the mediator answered again (negative: while it was down)
    back: int  # wallets whose link is open again
    mediator_cpu_percent: float | None  # over the time since the point before, in % of one core


@dataclass(frozen=True)
class StormOutcome:
    wallets: int  # links held when the storm began
    outage_s: float  # from the restart's start until the mediator answered again
    points: tuple[StormPoint, ...] = ()
    failures: tuple[FailureRow, ...] = ()  # requests that failed from the storm's start to its end
    crashed: int = 0  # agents that gave up during the storm
    error: str = ""  # the storm could not be made (the mediator did not come back, for one)
    under_way: bool = False  # the driver's reading so far: wallets are still coming back
    back_after_s: dict[int, float | None] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "back_after_s", recovery_times(self.points, self.wallets))

    @property
    def cpu_percent_mean(self) -> float | None:
        readings = [
            p.mediator_cpu_percent for p in self.points if p.since_return_s >= 0 and p.mediator_cpu_percent is not None
        ]
        return sum(readings) / len(readings) if readings else None

    @property
    def cpu_percent_max(self) -> float | None:
        readings = [p.mediator_cpu_percent for p in self.points if p.mediator_cpu_percent is not None]
        return max(readings) if readings else None

    @property
    def back(self) -> int:
        """Wallets back by the newest point."""
        return self.points[-1].back if self.points else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "wallets": self.wallets,
            "back": self.back,
            "outage_s": round(self.outage_s, 2),
            **{f"back_{percent}pct_after_s": _rounded(self.back_after_s[percent]) for percent in PERCENTS},
            "mediator_cpu_percent_mean": _rounded(self.cpu_percent_mean),
            "mediator_cpu_percent_max": _rounded(self.cpu_percent_max),
            "crashed": self.crashed,
            "failures": [
                {"type": f.type, "name": f.name, "error": f.error, "occurrences": f.occurrences} for f in self.failures
            ],
            "error": self.error,
        }


def recovery_times(points: tuple[StormPoint, ...], wallets: int) -> dict[int, float | None]:
    """Seconds after the mediator's return at which each of PERCENTS of `wallets` were back (0 when they were
    back before it answered); None for a share never reached."""
    times: dict[int, float | None] = {}
    for percent in PERCENTS:
        needed = math.ceil(wallets * percent / 100)
        reached = next((p.since_return_s for p in points if p.back >= needed), None) if wallets else None
        times[percent] = None if reached is None else max(0.0, reached)
    return times


def failures_between(before: tuple[FailureRow, ...], after: tuple[FailureRow, ...]) -> tuple[FailureRow, ...]:
    """The failures of `after` that were not yet counted in `before`, with the occurrences added since."""
    counted = {(f.type, f.name, f.error): f.occurrences for f in before}
    grown = (
        FailureRow(f.type, f.name, f.error, f.occurrences - counted.get((f.type, f.name, f.error), 0)) for f in after
    )
    return tuple(f for f in grown if f.occurrences > 0)


def storm_csv(outcome: StormOutcome) -> str:
    lines = ["since_return_s,wallets_back,percent_back,mediator_cpu_percent"]
    for point in outcome.points:
        share = 100 * point.back / outcome.wallets if outcome.wallets else 0.0
        cpu = "" if point.mediator_cpu_percent is None else f"{point.mediator_cpu_percent:.1f}"
        lines.append(f"{point.since_return_s:.2f},{point.back},{share:.1f},{cpu}")
    return "\n".join(lines) + "\n"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
