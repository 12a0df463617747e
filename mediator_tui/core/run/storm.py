"""The reconnect storm (STORM_AFTER): the embedded mediator restarted, on its ports and with its wallet, while
the run's wallets hold their websockets to it, as a mediator deploy does to real wallets. Every wallet's link
drops at once and comes back by the engine's reconnect policy (RECONNECT_POLICY); the driver follows them back
and measures the mediator's CPU meanwhile (`mediator_tui.core.metrics.storm` holds the figures)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import psutil

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.metrics.storm import StormOutcome, StormPoint, failures_between

if TYPE_CHECKING:
    from mediator_tui.core.mediator import LocalMediator

# Past this long after the mediator's return the storm ends with whatever came back: the native engine's links
# give up after 120 s without a connection (MAX_OUTAGE_SECONDS in agents/native/transport.py).
SETTLE_TIMEOUT_S = 150.0
SAMPLE_EVERY_S = 0.5


def process_cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds of `pid` and its children so far; None when it cannot be read."""
    if pid is None:
        return None
    try:
        process = psutil.Process(pid)
        processes = [process, *process.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in processes)
    except (psutil.Error, OSError):
        return None


def mediator_cpu_seconds(mediator: LocalMediator) -> float | None:
    """CPU seconds of every process of the embedded mediator so far (both instances when it runs two); None when
    one of them cannot be read."""
    readings = [process_cpu_seconds(pid) for pid in (mediator.pid, *(instance.pgid for instance in mediator.more))]
    return None if None in readings else sum(r for r in readings if r is not None)


class StormDriver:
    """`restart()` ends the mediator and starts it again, returning once it answers (raising when it cannot);
    `mediator_pid()` names its process then; `read()` gives the run's newest snapshot after a poll; `report` is
    handed the storm as it stands at its start, at each reading and at its end (the dashboard follows it)."""

    def __init__(
        self,
        restart: Callable[[], None],
        mediator_pid: Callable[[], int | None],
        read: Callable[[], Snapshot],
        settle_timeout_s: float = SETTLE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        cpu_seconds: Callable[[int | None], float | None] = process_cpu_seconds,
        report: Callable[[StormOutcome], None] = lambda outcome: None,
    ):
        self._restart = restart
        self._mediator_pid = mediator_pid
        self._read = read
        self._settle_timeout_s = settle_timeout_s
        self._clock = clock
        self._sleep = sleep
        self._cpu_seconds = cpu_seconds
        self._report = report

    def run(self) -> StormOutcome:
        outcome = self._storm()
        self._report(outcome)
        return outcome

    def _storm(self) -> StormOutcome:
        before = self._read()
        wallets, reconnects = before.agents.running, before.agents.reconnects
        began = self._clock()
        self._report(StormOutcome(wallets, 0.0, under_way=True))
        try:
            self._restart()
        except Exception as error:  # the mediator's own errors: the storm is reported as not made
            after = self._read()
            return StormOutcome(
                wallets,
                self._clock() - began,
                failures=failures_between(before.failures, after.failures),
                error=f"the mediator did not come back: {error}",
            )
        returned = self._clock()
        points = [StormPoint(-(returned - began), 0, None)]
        pid = self._mediator_pid()
        last_cpu, last_at = self._cpu_seconds(pid), returned
        snapshot = before
        while True:
            self._sleep(SAMPLE_EVERY_S)
            snapshot = self._read()
            now = self._clock()
            cpu = self._cpu_seconds(pid)
            percent = None if cpu is None or last_cpu is None else 100 * (cpu - last_cpu) / max(now - last_at, 1e-6)
            last_cpu, last_at = cpu, now
            back = min(wallets, max(0, snapshot.agents.reconnects - reconnects))
            points.append(StormPoint(now - returned, back, percent))
            if back >= wallets or now - returned > self._settle_timeout_s:
                break
            self._report(StormOutcome(wallets, returned - began, points=tuple(points), under_way=True))
        return StormOutcome(
            wallets,
            returned - began,
            points=tuple(points),
            failures=failures_between(before.failures, snapshot.failures),
            crashed=snapshot.agents.crashed - before.agents.crashed,
        )
