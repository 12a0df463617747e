"""The pause before an agent's next start after failed ones: doubling from 1 s, at most 30 s.

Without it an agent that cannot start (a mediator refusing, an agent crashing at
start) is retried at every task of its user, hammering the mediator at short waits.
No Locust import: tested on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class StartBackoff:
    """How long a slot waits after consecutive failed starts: `first_s`, doubling, at most `max_s`."""

    def __init__(self, first_s: float = 1.0, max_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.first_s = first_s
        self.max_s = max_s
        self.clock = clock
        self.failures = 0
        self.last_error = ""
        self.pause_s = 0.0
        self._until = 0.0

    def failed(self, error: str) -> None:
        self.failures += 1
        self.last_error = error
        self.pause_s = min(self.max_s, self.first_s * 2 ** min(self.failures - 1, 16))
        self._until = self.clock() + self.pause_s

    def succeeded(self) -> None:
        self.failures, self.last_error, self.pause_s, self._until = 0, "", 0.0, 0.0

    @property
    def waiting(self) -> bool:
        return self.clock() < self._until

    def describe(self) -> str:
        # Stable over the pause (no countdown): Locust groups failures by their text.
        plural = "s" if self.failures > 1 else ""
        return f"{self.pause_s:g} s pause after {self.failures} failed start{plural}; last error: {self.last_error}"
