"""Percentiles of Locust's response-time histograms ({rounded_ms: count})."""

from __future__ import annotations

import math


def histogram_from_json(raw: dict) -> dict[float, int]:
    """JSON turns the millisecond keys into strings; turn them back into numbers."""
    return {float(ms): int(count) for ms, count in raw.items()}


def subtract(latest: dict[float, int], older: dict[float, int]) -> dict[float, int]:
    """Requests that arrived between two cumulative histograms."""
    diff = {}
    for ms, count in latest.items():
        delta = count - older.get(ms, 0)
        if delta > 0:
            diff[ms] = delta
    return diff


def percentile(histogram: dict[float, int], fraction: float) -> float | None:
    """Smallest bucket at or below which at least `fraction` of the requests fall; None when empty."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    wanted = max(1, math.ceil(total * fraction))
    seen = 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= wanted:
            return ms
    return max(histogram)
