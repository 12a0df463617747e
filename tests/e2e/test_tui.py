"""The TUI driving the real core: embedded mediator, Locust master and a worker, native agents.

Slow (the mediator and Locust start for real): `pytest tests/e2e/test_tui.py`.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

import psutil
import pytest
from textual.widgets import DataTable

from mediator_tui.common.byte_size import byte_size
from mediator_tui.core.processes import group_members
from mediator_tui.core.run.build import controller_for
from mediator_tui.tui.app import MediatorTuiApp
from mediator_tui.tui.panes.mediator import MediatorPane
from mediator_tui.tui.session import RunSession

pytestmark = pytest.mark.timeout(420)

ENV = """\
# embedded mediator, one worker, fast tasks
MEDIATION_URL=
MEDIATOR_FLAVOUR=acapy
LOCUST_FILES=locustMediatorPing.py
LOCUST_USERS=3
LOCUST_SPAWN_RATE=3
LOCUST_WORKERS=1
LOCUST_MIN_WAIT=0.2
LOCUST_MAX_WAIT=0.5
VERIFIED_TIMEOUT_SECONDS=20
AGENT_ENGINE=native
START_PORT=21200
END_PORT=21300
"""


async def _until(pilot, condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition(pilot.app.latest):
        if time.monotonic() > deadline:
            status = pilot.app.latest.status if pilot.app.latest else None
            pytest.fail(f"{what} within {timeout_s:g} s; status {status}")
        await pilot.pause(0.5)


def _table_text(app) -> str:
    table = app.dashboard.query_one(DataTable)
    return "\n".join(" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count))


def test_start_watch_rescale_stop_quit(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(ENV)
    session = RunSession(env_file, partial(controller_for), attached=False)
    assert session.problems == []
    app = MediatorTuiApp(session, env_file)
    groups: list[int] = []

    async def scenario() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("s")
            await _until(
                pilot,
                lambda s: (
                    s.status.state == "running"
                    and s.agents.running >= 3
                    and any(r.name == "ping_mediator" and r.count for r in s.requests)
                ),
                240,
                "3 agents pinging",
            )
            run = session._run
            groups.extend(g for g in (run.group.pgid, run.mediator.pgid) if g)
            await pilot.pause(1.5)
            assert "ping_mediator" in _table_text(app)
            agents_text = str(app.dashboard.query_one("#agent-counters").render())
            assert "running 3 / 3" in agents_text
            assert "requests" in app.dashboard.query_one("#throughput").border_subtitle
            # The Mediator pane: the embedded ACA-Py's own side, probed from the tool's process.
            await _until(
                pilot,
                lambda s: (
                    s.mediator.connections is not None
                    and s.mediator.cpu_percent is not None
                    and abs(s.mediator.connections - 3) <= 2
                ),
                30,
                "the probe to read the mediator",
            )
            await pilot.pause(0.5)
            mediator, rss = app.latest.mediator, psutil.Process(run.mediator.pid).memory_info().rss
            pane = str(app.dashboard.query_one(MediatorPane).query_one(".summary").render())
            assert f"CPU {mediator.cpu_percent:.1f} %" in pane and f"RSS {byte_size(mediator.rss_bytes)}" in pane
            assert abs(mediator.rss_bytes - rss) <= 0.1 * rss
            # ACA-Py counts its own sessions, one per wallet: the pane names that reading, not TCP.
            assert mediator.connections_from == "admin sessions"
            assert f"held {mediator.connections} (admin sessions) vs 3 agents running" in pane

            await pilot.press("u")
            await pilot.pause()
            app.screen.query_one("#users").value = "5"
            app.screen.query_one("#spawn-rate").value = "5"
            await pilot.press("enter")
            await _until(pilot, lambda s: s.status.users == 5 and s.agents.running >= 5, 90, "5 users")

            await pilot.press("x")
            await _until(pilot, lambda s: s.status.state in ("stopped", "ready"), 60, "stopped")
            await pilot.press("q")
            deadline = time.monotonic() + 60
            while app.return_value is None and time.monotonic() < deadline:
                await asyncio.sleep(0.2)

    try:
        asyncio.run(scenario())
    finally:
        session.shutdown()  # what run_tui does after the app returns; a no-op after quit
    assert app.return_value == 0
    assert groups and all(not group_members(g) for g in groups), "processes outlived quit"
