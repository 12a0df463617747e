"""What one more unit of load costs: the least-squares slope of a resource against that load.

A ratio (memory / agents) folds a process's fixed costs into every unit and says little at
small counts; the slope over a run's samples leaves them in the intercept. It needs samples
spread over enough load to rise above the noise, so until then it is unknown, with the reason.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Slope:
    value: float | None  # None: not yet measurable (`reason` says why)
    reason: str = ""


def least_squares_slope(
    pairs: Iterable[tuple[float, float]], *, min_points: int, min_spread: float, unit: str
) -> Slope:
    """The slope of y against x over `pairs` once they hold `min_points` samples whose x spread over
    `min_spread` `unit`; a slope that is not positive is no cost per unit and counts as not measurable."""
    pairs = list(pairs)
    if not pairs:
        return Slope(None, f"no {unit} yet")
    xs, ys = zip(*pairs, strict=True)
    spread = max(xs) - min(xs)
    if spread < min_spread:
        return Slope(None, f"{unit} spread over {spread:g}, needs {min_spread:g}")
    if len(pairs) < min_points:
        return Slope(None, f"{len(pairs)} samples, needs {min_points}")
    slope = statistics.linear_regression(xs, ys).slope
    if slope <= 0:
        return Slope(None, f"memory did not grow with {unit}")
    return Slope(slope)
