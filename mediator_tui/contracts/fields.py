"""Tolerant readers of JSON that crossed a process boundary.

An attached master of another Locust version, or a worker whose probe sent
null, can serve any field missing or of any type. Each reader returns the value
when it has the expected type and a sane size, else "unknown" (None, or an
empty container), so one odd field never costs the rest of the payload and
never raises.
"""

from __future__ import annotations

import math
from typing import Any

# Every integer the master serves is a count, a size or a byte figure: never
# negative, never near 2**63. A bigger one is garbage, and would overflow the
# float arithmetic of rates and averages downstream.
INT_LIMIT = 2**63


def as_number(value: object) -> float | None:
    """A finite JSON number (not a bool, not a numeric string)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if abs(value) >= INT_LIMIT:  # checked on the int itself: float() of a 400-digit int overflows
        return None
    return float(value)


def as_int(value: object) -> int | None:
    """A count, a size or a byte figure: a non-negative number, fractions dropped."""
    number = as_number(value)
    if number is None or number < 0:
        return None
    # From the int itself where it is one: its float may have lost the low digits.
    return value if isinstance(value, int) else int(number)


def as_count(value: object) -> int:
    """A counter whose unknown value shows as zero (the snapshot's plain `int` fields)."""
    return as_int(value) or 0


def as_text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list; anything else in it is skipped."""
    return [item for item in as_list(value) if isinstance(item, dict)]
