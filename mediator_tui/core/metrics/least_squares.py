"""Ordinary least squares with a few regressors, and how well each coefficient is determined.

No numerical library is a dependency of the tool (pyproject.toml), and the systems solved here have at most
three regressors besides the intercept: the normal equations are solved by Gauss-Jordan elimination below
rather than adding one for a 3×3 inverse.

The regressors are centred and scaled to unit spread first, so the matrix inverted is their correlation
matrix: its inverse's diagonal is each regressor's variance inflation factor (how much of it the others
explain), and a pivot near zero means regressors that moved together exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Below this pivot the correlation matrix is singular: some regressor is a linear function of the others.
SINGULAR_PIVOT = 1e-9


@dataclass(frozen=True)
class Fit:
    """y ≈ intercept + Σ slopes[j]·x[j]; a standard error is None when the samples leave no residual."""

    intercept: float
    intercept_se: float | None
    slopes: tuple[float, ...]
    slopes_se: tuple[float | None, ...]
    # Each regressor's r² against the others (1 - 1/VIF): near 1, it moved in step with them.
    r2_with_others: tuple[float, ...]


def invert(matrix: Sequence[Sequence[float]]) -> list[list[float]] | None:
    """The inverse of a small square matrix by Gauss-Jordan elimination with partial pivoting; None when singular."""
    size = len(matrix)
    rows = [[*map(float, row), *(1.0 if i == j else 0.0 for j in range(size))] for i, row in enumerate(matrix)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < SINGULAR_PIVOT:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        lead = rows[col][col]
        rows[col] = [v / lead for v in rows[col]]
        for r in range(size):
            if r != col and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [v - factor * p for v, p in zip(rows[r], rows[col], strict=True)]
    return [row[size:] for row in rows]


def fit(xs: Sequence[Sequence[float]], ys: Sequence[float]) -> Fit | None:
    """Least squares of `ys` on the columns of `xs` (one row per sample) plus an intercept; None when a column
    does not vary or the columns are linearly dependent (no unique fit)."""
    n, k = len(ys), len(xs[0]) if xs else 0
    if n < k + 1:
        return None
    means = [math.fsum(row[j] for row in xs) / n for j in range(k)]
    y_mean = math.fsum(ys) / n
    centred = [[row[j] - means[j] for j in range(k)] for row in xs]
    spread = [math.sqrt(math.fsum(row[j] ** 2 for row in centred)) for j in range(k)]
    if any(s == 0 for s in spread):
        return None
    scaled = [[row[j] / spread[j] for j in range(k)] for row in centred]
    correlation = [[math.fsum(row[i] * row[j] for row in scaled) for j in range(k)] for i in range(k)]
    inverse = invert(correlation)
    if inverse is None:
        return None
    xy = [math.fsum(row[j] * (y - y_mean) for row, y in zip(scaled, ys, strict=True)) for j in range(k)]
    slopes = [math.fsum(inverse[j][i] * xy[i] for i in range(k)) / spread[j] for j in range(k)]
    intercept = y_mean - math.fsum(b * m for b, m in zip(slopes, means, strict=True))
    residual = math.fsum(
        (y - intercept - math.fsum(b * v for b, v in zip(slopes, row, strict=True))) ** 2
        for row, y in zip(xs, ys, strict=True)
    )
    dof = n - k - 1
    variance = residual / dof if dof > 0 else None
    slopes_se = tuple(None if variance is None else math.sqrt(variance * inverse[j][j]) / spread[j] for j in range(k))
    # Var(intercept) = σ²(1/n + x̄ᵀ S⁻¹ x̄), with S⁻¹ = D⁻¹ C⁻¹ D⁻¹ for the spreads D and the correlation C.
    leverage = math.fsum(
        means[i] / spread[i] * inverse[i][j] * means[j] / spread[j] for i in range(k) for j in range(k)
    )
    intercept_se = None if variance is None else math.sqrt(variance * (1 / n + leverage))
    r2 = tuple(max(0.0, 1.0 - 1.0 / inverse[j][j]) if inverse[j][j] > 0 else 1.0 for j in range(k))
    return Fit(intercept, intercept_se, tuple(slopes), slopes_se, r2)
