"""The dashboard draws a pane only when its part of the snapshot changed and it can be seen."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from mediator_tui.core.metrics.snapshot import AGGREGATED, SeriesPoint
from mediator_tui.tui.panes.base import SnapshotPane


def _count_draws(screen) -> Counter:
    draws: Counter = Counter()
    for pane in screen.query(SnapshotPane):

        def counting(part, pane=pane, draw=pane.draw):
            draws[pane.id] += 1
            draw(part)

        pane.draw = counting
    return draws


def _one_more_second(control) -> None:
    """The next snapshot: the clock moved and one request series point arrived."""
    snapshot = control.current
    history = list(snapshot.history)
    aggregated = next(i for i, s in enumerate(history) if s.key == AGGREGATED)
    last = history[aggregated].points[-1]
    point = SeriesPoint(t=last.t + 1, rps=last.rps + 7, fail_per_s=0.0, p50_ms=40.0, p95_ms=90.0, p99_ms=300.0)
    history[aggregated] = replace(history[aggregated], points=history[aggregated].points[1:] + (point,))
    control.current = replace(
        snapshot,
        taken_at=snapshot.taken_at + 1,
        history=tuple(history),
        status=replace(snapshot.status, elapsed_s=snapshot.status.elapsed_s + 1),
    )


def test_an_unchanged_snapshot_draws_nothing_and_a_change_draws_only_its_panes(drive, control):
    async def steps(pilot):
        draws = _count_draws(pilot.app.screen)
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert not draws
        _one_more_second(control)
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert draws == Counter({"throughput": 1, "latency": 1})

    drive(steps)


def test_panes_wait_while_another_screen_is_shown(drive, control):
    async def steps(pilot):
        dashboard = pilot.app.screen
        draws = _count_draws(dashboard)
        await pilot.press("l")  # the logs: any screen of its own covers the dashboard, and this one is quick to open
        _one_more_second(control)
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert not draws
        await pilot.press("escape")
        await pilot.pause()
        assert draws == Counter({"throughput": 1, "latency": 1})

    drive(steps)


def test_a_zoomed_pane_is_the_only_one_drawn(drive, control):
    async def steps(pilot):
        draws = _count_draws(pilot.app.screen)
        await pilot.press("2", "z")
        _one_more_second(control)
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert draws == Counter({"latency": 1})
        await pilot.press("z")
        await pilot.pause()
        assert draws == Counter({"latency": 1, "throughput": 1})

    drive(steps)


def test_the_latency_pane_says_when_its_p99_covers_the_whole_run(drive, control):
    """Without the histograms route, p50/p95 come from Locust's 10 s window, which has no p99."""
    from mediator_tui.tui.panes.latency import LatencyPane

    total = replace(control.current.total, percentile_source="window", interval_p99_source="cumulative")
    control.current = replace(control.current, total=total, taken_at=control.current.taken_at + 1)

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert pilot.app.screen.query_one(LatencyPane).border_subtitle == "Locust's 10 s window; p99 since the start"

    drive(steps)


def test_the_memory_pane_says_what_one_more_agent_costs_only_once_measurable_and_what_binds_first(drive, control):
    from mediator_tui.core.metrics.snapshot import RoomLimit
    from mediator_tui.tui.panes.memory import MemoryPane

    def show(**memory):
        control.current = replace(
            control.current, memory=replace(control.current.memory, **memory), taken_at=control.current.taken_at + 1
        )

    def text(pilot) -> str:
        return str(pilot.app.screen.query_one(MemoryPane).query_one(".summary").render())

    async def steps(pilot):
        show(
            per_agent_unique_bytes=None,
            per_agent_unknown_because="agents spread over 9, needs 50",
            room=(RoomLimit("open files", 7852, 4096, "worker"),),
            projected_more_agents=7852,
        )
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "per agent not yet measurable (agents spread over 9, needs 50)" in text(pilot)
        assert "room for 7,852 more agents (open files bind first: 4,096 per worker)" in text(pilot)
        show(
            per_agent_unique_bytes=11_264.0,
            per_agent_unknown_because="",
            room=(RoomLimit("memory", 710_227, 8_000_000_000, "host"), RoomLimit("open files", 7852, 4096, "worker")),
            projected_more_agents=710_227,
        )
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "per agent 11.0 KiB unique" in text(pilot)
        assert "room for 710,227 more agents (memory binds first: 7.5 GiB free per host)" in text(pilot)

    drive(steps)
