"""Percentiles of Locust's response-time histograms ({rounded_ms: count})."""

from __future__ import annotations

import math


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
