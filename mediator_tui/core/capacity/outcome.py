"""A capacity search as the exporter and the TUI show it: the plan it ran, its levels, its verdict."""

from __future__ import annotations

from dataclasses import dataclass

from mediator_tui.contracts.capacity import RampPlan
from mediator_tui.core.capacity.levels import ServiceLevel
from mediator_tui.core.capacity.search import Verdict


@dataclass(frozen=True)
class CapacityOutcome:
    plan: RampPlan
    levels: tuple[ServiceLevel, ...]
    resolution: int | None
    verdict: Verdict | None  # None: the search ended before its first step was measured
    complete: bool = True  # False: interrupted or failed; the verdict covers the steps measured
