"""Tolerant readers of JSON that crossed a process boundary.

An attached master of another Locust version, or a worker whose probe sent
null, can serve any field missing or of any type. Each reader returns the value
when it has the expected type and a sane size, else "unknown" (None, or an
empty container), so one odd field never costs the rest of the payload and
never raises.
"""

from __future__ import annotations

from typing import Any

from mediator_tui.common.numbers import TIMESTAMP_LIMIT, checked

__all__ = ["as_amount", "as_count", "as_dict", "as_int", "as_list", "as_number", "as_text", "as_timestamp", "dicts"]


def as_number(value: object) -> float | None:
    """A finite JSON number (not a bool, not a numeric string), not absurdly large (common/numbers.py)."""
    return checked(value)[0]


def as_amount(value: object) -> float | None:
    """A duration, a rate or a percentage: a non-negative number."""
    return checked(value, minimum=0)[0]


def as_timestamp(value: object) -> float | None:
    """Seconds since the epoch that a date can show."""
    return checked(value, minimum=0, maximum=TIMESTAMP_LIMIT)[0]


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
