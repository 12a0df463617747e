"""A clock that reads as the time of day but runs on the monotonic clock.

Run length, rates and per-second windows are differences of its readings, so a step of the system clock
(NTP, an operator's `date -s`, a VM resumed) changes none of them; the readings still label points with
the time of day (the exports' ISO times), as the wall clock was when the clock was made.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def steady_wall_clock() -> Callable[[], float]:
    """Seconds since the epoch as at this call, advanced from then by `time.monotonic`."""
    wall_at_start, monotonic_at_start = time.time(), time.monotonic()
    return lambda: wall_at_start + (time.monotonic() - monotonic_at_start)
