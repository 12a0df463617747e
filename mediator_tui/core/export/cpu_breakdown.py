"""summary.json's `mediator.cpu_breakdown`: what the mediator's CPU cost per connection held, ping and onboarding
over the run (core/metrics/cpu_breakdown.py), each with its standard error, and why not where the run cannot tell."""

from __future__ import annotations

from typing import Any

from mediator_tui.core.metrics.cpu_breakdown import cpu_samples, estimate
from mediator_tui.core.metrics.snapshot import Snapshot


def cpu_breakdown_fields(snapshot: Snapshot) -> dict[str, Any]:
    breakdown = estimate(cpu_samples(snapshot))
    costs = {
        "per_connection_ms_per_s": breakdown.per_connection_ms_per_s,
        "per_ping_ms": breakdown.per_ping_ms,
        "per_onboarding_ms": breakdown.per_onboarding_ms,
        "base_ms_per_s": breakdown.base_ms_per_s,
    }
    return {
        **{key: _rounded(cost.value) for key, cost in costs.items()},
        "stderr": {key: _rounded(cost.stderr) for key, cost in costs.items()},
        # Why a cost has no value (its regressor did not vary, or moved in step with another), per cost.
        "why_not": {key: cost.why_not or None for key, cost in costs.items()},
        # What to make of a value that is there: negative, or within the noise.
        "notes": {key: cost.note or None for key, cost in costs.items()},
        "samples": breakdown.samples,
        "seconds": breakdown.seconds,
        # The four costs in words, as report.html and the headless run's last lines give them.
        "said": breakdown.said(),
    }


def _rounded(value: float | None) -> float | None:
    # Six significant digits: a connection's cost is a few hundredths of a ms each second.
    return None if value is None else float(f"{value:.6g}")
