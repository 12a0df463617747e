"""The capacity ramp's plan, read from the validated settings (CAPACITY_*, LOCUST_SPAWN_RATE, and the
users' waits LOCUST_MIN_WAIT and LOCUST_MAX_WAIT, from which CAPACITY_HOLD=auto computes each step's hold).

The command reads it to size the run; the master's step shape (`locust_support/step_ramp.py`) reads the
same settings from its environment, so both sides hold one plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mediator_tui.contracts.capacity import RampPlan
from mediator_tui.core.config import load_config


def plan_from_settings(values: Mapping[str, Any] | None = None) -> RampPlan:
    """The plan of the validated settings `values` (default: this process's configuration)."""
    values = load_config().values if values is None else values
    hold = values["CAPACITY_HOLD"]
    auto = hold == "auto"
    plan = RampPlan(
        start=values["CAPACITY_START"],
        step=values["CAPACITY_STEP"],
        max_users=values["CAPACITY_MAX"],
        hold_s=0.0 if auto else (hold or 0.0),
        settle_s=values["CAPACITY_SETTLE"] or 0.0,
        spawn_rate=values["LOCUST_SPAWN_RATE"],
        auto_hold=auto,
        min_wait_s=values["LOCUST_MIN_WAIT"],
        max_wait_s=values["LOCUST_MAX_WAIT"],
    )
    problems = plan.problems()
    if problems:
        raise ValueError("the capacity ramp cannot start: " + "; ".join(problems))
    return plan
