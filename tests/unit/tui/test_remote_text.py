"""Text from the network (a master's or mediator's error) is shown as text: its markup is not interpreted and
its escape sequences and control characters never reach the terminal."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from mediator_tui.tui.panes.status import StatusLine

HOSTILE = "[/bold] [link=http://evil.example]click[/link] \x1b[31mred\x1b[0m \x1b]0;title\x07end"


def _shown(widget) -> str:
    return str(widget.render())


def test_a_failed_command_notifies_its_error_as_plain_text(drive, control):
    def failing_start() -> None:
        raise RuntimeError(HOSTILE)

    control.start = failing_start
    control.current = replace(control.current, status=replace(control.current.status, state="stopped"))
    notified: list = []

    async def steps(pilot):
        await pilot.press("s")
        for _ in range(50):
            if not pilot.app._busy:
                break
            await asyncio.sleep(0.1)
        await pilot.pause()
        notified.extend(pilot.app._notifications)

    drive(steps)
    failures = [n for n in notified if "failed" in n.message]
    assert failures, [n.message for n in notified]
    assert not failures[0].markup
    assert "[link=http://evil.example]click[/link]" in failures[0].message
    assert "\x1b" not in failures[0].message and "\x07" not in failures[0].message


def test_the_status_line_shows_a_remote_error_as_plain_text(drive, control):
    control.current = replace(control.current, status=replace(control.current.status, error=HOSTILE))
    shown: list[str] = []

    async def steps(pilot):  # `drive` has waited for the first snapshot, which carries the error, to be drawn
        shown.append(_shown(pilot.app.screen.query_one(StatusLine)))

    drive(steps, size=(240, 24))
    assert "[/bold] [link=http://evil.example]click[/link] red end" in shown[0]
    assert "\x1b" not in shown[0] and "\x07" not in shown[0]
