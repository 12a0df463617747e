"""The capacity view (`mediator-tui capacity --tui`): the steps table, the chart and the verdict as a
search finds them, and quitting mid-search stopping it as Ctrl-C does. The search is the command's
own (`capacity_session.search`) on the stand-in run and figures of tests/support/capacity_fakes.py."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

from textual.widgets import DataTable, Static

from mediator_tui.core import capacity_session
from mediator_tui.core.capacity.curve import AGENTS_X
from mediator_tui.tui.capacity_app import CapacityApp
from tests.support.capacity_fakes import LEVELS, FakeCapacityRun, FakeDriver, step
from tests.unit.tui.waiting import until


def capacity_app(run: FakeCapacityRun, gate: threading.Event | None = None) -> CapacityApp:
    def run_search(feed) -> int:
        def figures(users, index):
            while gate is not None and not gate.is_set():  # held until the test opens the gate (or quits)
                feed.sleep(0.05)
            return dataclasses.replace(
                step(
                    users,
                    p95=250.0 + users * 5 if users < 45 else 1400.0,
                    index=index,
                    worker_cpu=30.0,
                    agents_per_user=2,
                ),
                mediator_cpu_percent=users * 1.8,
            )

        options = capacity_session.SearchOptions(
            levels=LEVELS,
            signals=False,
            on_plan=lambda plan: feed.plan(capacity_session.plan_line(plan, None)),
            on_step=feed.step,
            on_verdict=feed.verdict,
        )
        return capacity_session.search(run, options, lambda on_step: FakeDriver(on_step, None, figures=figures), feed)

    return CapacityApp(run_search)


async def _searched(pilot) -> None:
    verdict = pilot.app.screen.query_one("#capacity-verdict", Static)
    await until(pilot, lambda: "verdict: held" in str(verdict.render()), "the verdict")
    await pilot.pause(0.1)


def test_the_view_shows_each_step_the_chart_and_the_verdict_then_q_quits_with_the_search_s_code():
    run = FakeCapacityRun()
    app = capacity_app(run)
    asyncio.run(_see_it_all(app))
    assert app.return_value == 0
    assert run.calls == ["prepare", "stop", "shutdown"]


async def _see_it_all(app: CapacityApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _searched(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[1] for row in rows] == ["10", "20", "30", "40", "50"]  # Locust users
        assert [row[2] for row in rows] == ["20", "40", "60", "80", "100"]  # their agents, two each
        assert rows[0][4:] == ["300 ms", "0/480 (0.0%)", "18 %", "met"]
        assert rows[-1][7] == "broken: p95(ping_mediator)>1000 (1400) [latency]"
        chart = str(screen.query_one("#capacity-chart", Static).render())
        # No probe counted connections: the agents running stand in for them, and the axis says so.
        assert "ping p95 ms" in chart and "mediator CPU %" in chart and AGENTS_X in chart
        verdict = str(screen.query_one("#capacity-verdict", Static).render())
        assert "verdict: held 40 users, 80 agents; broke at 50 users, 100 agents on p95(ping_mediator)>1000" in verdict
        assert "broke first: latency" in verdict and "limited by: mediator" in verdict
        assert str(screen.query_one("#capacity-plan", Static).render()).startswith("capacity search: 10 to 60")
        await pilot.press("q")


def test_quitting_while_it_searches_stops_the_load_and_ends_the_run():
    run, gate = FakeCapacityRun(), threading.Event()
    app = capacity_app(run, gate)
    asyncio.run(_quit_early(app))
    assert app.return_value == capacity_session.EXIT_SETUP  # the search did not finish, as after Ctrl-C
    assert run.calls == ["prepare", "stop", "shutdown"]


async def _quit_early(app: CapacityApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.searching, "the search to start")  # the gate holds it there
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to close")


def test_capacity_view_snapshot(snap_compare):
    assert snap_compare(capacity_app(FakeCapacityRun()), run_before=_searched, terminal_size=(120, 40))
