"""The one check of a number read from the network or another process: finite, in range, of the right type.

`checked(value, minimum, maximum)` gives `(number, "")` or `(None, reason)`; it never raises, whatever
`value` is. The contracts' readers (`contracts/fields.py`), the mediator probe and the master's readers
all use it, so a NaN, an infinity, a 400-digit integer, a negative count or a number sent as a string is
"unknown" everywhere alike.
"""

from __future__ import annotations

import math

# Every figure read is a count, a size, a byte figure, a duration or a rate: never near 2**63. A bigger
# one is garbage, and would overflow the float arithmetic of sums, rates and averages downstream.
INT_LIMIT = 2**63
# The last second `datetime` can show (9999-12-31): a later timestamp would crash any formatting of it.
TIMESTAMP_LIMIT = 253402300799.0
REASONS_KEPT = 5


def checked(value: object, minimum: float | None = None, maximum: float | None = None) -> tuple[float | None, str]:
    """`value` as a float when it is a finite JSON number (not a bool, not a string) within
    [minimum, maximum] and below INT_LIMIT in size, else None and the reason."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, f"{_kind(value)} is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"{value} is not a finite number"
    if abs(value) >= INT_LIMIT:  # checked on the int itself: float() of a 400-digit int overflows
        return None, "is too large to be a reading"
    if minimum is not None and value < minimum:
        return None, f"{value:g} is below {minimum:g}"
    if maximum is not None and value > maximum:
        return None, f"{value:g} is above {maximum:g}"
    return float(value), ""


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return f"a {type(value).__name__}"


class Reasons:
    """Why figures of one reading are unknown, each as `name: reason`, the first few kept."""

    def __init__(self) -> None:
        self._seen: dict[str, None] = {}

    def count(self, name: str, value: object) -> int | None:
        """A non-negative whole count (fractions dropped), or None with its reason noted."""
        number = self.amount(name, value)
        return None if number is None else int(number)

    def amount(self, name: str, value: object) -> float | None:
        """A non-negative figure, or None with its reason noted."""
        return self.number(name, value, minimum=0)

    def number(self, name: str, value: object, minimum: float | None = None) -> float | None:
        """A finite number, or None: with its reason noted unless the figure was not given at all."""
        number, why = checked(value, minimum)
        if why and value is not None and len(self._seen) < REASONS_KEPT:
            self._seen[f"{name}: {why}"] = None
        return number

    def all(self) -> tuple[str, ...]:
        return tuple(self._seen)
