"""Hand out a fresh invitation every K onboardings.

Every handshake on a multi-use ACA-Py invitation loads every connection already
made from it, so one invitation for 1000 clients onboards at half the rate of a
new one every 50 (docs/didcomm-quirks.md "Multi-use invitations slow down with use").
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class InvitationRotator:
    """`next()` returns the current invitation and makes a new one after every `every` calls.

    Safe across threads, and across greenlets once gevent has patched `threading`
    (Locust does): the lock is held while a new invitation is fetched, so callers
    wait for it rather than each fetching their own.
    """

    def __init__(self, create: Callable[[], str], every: int):
        if every < 1:
            raise ValueError(f"every must be at least 1, not {every}")
        self._create = create
        self.every = every
        self._lock = threading.Lock()
        self._current: str | None = None
        self._uses = 0
        self.created = 0

    def next(self) -> str:
        with self._lock:
            if self._current is None or self._uses >= self.every:
                self._current = self._create()
                self.created += 1
                self._uses = 0
            self._uses += 1
            return self._current
