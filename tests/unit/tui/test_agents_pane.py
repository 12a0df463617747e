"""The Agents pane follows a reconnect storm (STORM_AFTER): the mediator down, its wallets coming back, the end."""

from __future__ import annotations

from dataclasses import replace

from mediator_tui.core.metrics.storm import StormOutcome, StormPoint
from mediator_tui.tui.panes.agents import AgentsPane
from tests.recording.replay import running_run

DOWN = StormPoint(-2.5, 0, None)


def counters_text(pilot) -> str:
    return str(pilot.app.screen.query_one(AgentsPane).query_one("#agent-counters").render())


def test_the_storm_line_shows_the_restart_the_wallets_coming_back_and_how_soon_they_were(drive, control):
    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "storm" not in counters_text(pilot)  # no STORM_AFTER: nothing said of one

        control.current = replace(running_run(), storm=StormOutcome(500, 0.0, under_way=True))
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "storm restarting the mediator under 500 wallets" in counters_text(pilot)

        coming_back = StormOutcome(500, 2.5, (DOWN, StormPoint(0.5, 100, 180.0), StormPoint(1.0, 260, 150.0)))
        control.current = replace(running_run(), storm=replace(coming_back, under_way=True))
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = counters_text(pilot)
        assert "storm 260/500 back  50 % after 1.0 s  95 % after –  100 % after –" in text
        assert "(down 2.5 s, mediator CPU up to 180 %, coming back)" in text

        points = (*coming_back.points, StormPoint(1.5, 480, 90.0), StormPoint(2.0, 500, 40.0))
        control.current = replace(running_run(), storm=StormOutcome(500, 2.5, points, crashed=2))
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = counters_text(pilot)
        assert "storm 500/500 back  50 % after 1.0 s  95 % after 1.5 s  100 % after 2.0 s" in text
        assert "coming back" not in text and "2 gave up" in text

    drive(steps, size=(200, 50))


def test_a_storm_the_mediator_did_not_come_back_from_says_so(drive, control):
    failed = StormOutcome(500, 30.0, error="the mediator did not come back: port 8020 taken")
    control.current = replace(running_run(), storm=failed)

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "storm failed: the mediator did not come back: port 8020 taken" in counters_text(pilot)

    drive(steps, size=(200, 50))
