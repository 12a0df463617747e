"""Percentiles of Locust's response-time histograms ({rounded_ms: count})."""

from __future__ import annotations


def subtract(latest: dict[float, int], older: dict[float, int]) -> dict[float, int]:
    """Requests that arrived between two cumulative histograms."""
    diff = {}
    for ms, count in latest.items():
        delta = count - older.get(ms, 0)
        if delta > 0:
            diff[ms] = delta
    return diff


def percentile(histogram: dict[float, int], fraction: float) -> float | None:
    """The bucket Locust's `calculate_response_time_percentile` (locust/stats.py) gives for the same
    histogram: the smallest one holding request number `int(total * fraction) + 1`, in the same float
    arithmetic, so that our interval figures and Locust's own agree on identical data. None when empty."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    wanted = int(total * fraction) + 1
    seen = 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= wanted:
            return ms
    return max(histogram)
