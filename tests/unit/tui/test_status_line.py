"""The status line before the first start: idle and how to start, then starting while the run comes up."""

from __future__ import annotations

import asyncio
import threading

from textual.widgets import Static

from mediator_tui.core.metrics.store import MetricStore


def _status(pilot) -> str:
    return str(pilot.app.screen.query_one("#status", Static).render())


def test_the_status_line_says_idle_and_how_to_start_until_s_starts_the_run(drive, control):
    control.current = MetricStore("local", "http://127.0.0.1:8089").snapshot()  # nothing started: a fresh store
    released = threading.Event()
    started = control.start

    def slow_start() -> None:
        released.wait(10)  # a mediator and workers coming up
        started()

    control.start = slow_start

    async def steps(pilot):
        assert "idle — press s to start" in _status(pilot)
        assert "starting" not in _status(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert "starting" in _status(pilot) and "idle" not in _status(pilot)
        released.set()
        for _ in range(50):
            if not pilot.app.starting:
                break
            await asyncio.sleep(0.1)
        await pilot.pause()
        assert "running" in _status(pilot)

    drive(steps)


def test_the_status_line_names_the_hosts_of_missing_workers():
    from mediator_tui.tui.panes.status import status_text
    from tests.support.host_reports import one_host_lost_to_cpu

    snapshot = one_host_lost_to_cpu().store.snapshot()
    assert "workers 2 (1 missing: load-b)" in status_text(snapshot.status, hosts=snapshot.hosts).plain
    assert "workers 2 (1 missing)" in status_text(snapshot.status).plain
