"""Every agent crash of the run, once: each poll serves the last 20 of each worker again."""

from __future__ import annotations

import collections

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.core.metrics.snapshot import CrashEvent

CRASH_LOG_MAX = 10_000
RECENT = 20


class CrashLog:
    def __init__(self, size: int = CRASH_LOG_MAX):
        self._events: collections.deque[CrashEvent] = collections.deque(maxlen=size)
        self._seen: set[tuple[str, float, str, str]] = set()

    def add(self, view: AgentsView) -> None:
        for worker in view.workers:
            for crash in worker.report.crashes:
                event = CrashEvent(
                    ts=crash.ts,
                    worker_id=worker.report.worker_id,
                    user=crash.user,
                    reason=crash.reason,
                    stderr_tail=crash.stderr_tail,
                )
                identity = (event.worker_id, event.ts, event.user, event.reason)
                if identity not in self._seen:
                    self._seen.add(identity)
                    self._events.append(event)

    def all(self) -> tuple[CrashEvent, ...]:
        return tuple(self._events)

    def recent(self) -> tuple[CrashEvent, ...]:
        return tuple(self._events)[-RECENT:]
