"""Keys on the dashboard reach the run core; quitting asks first when a test is live."""

from __future__ import annotations

from dataclasses import replace

from textual.command import CommandList, CommandPalette
from textual.widgets import RichLog, TabbedContent

from mediator_tui.core.run.logs import LogLine
from mediator_tui.tui.screens.logs import MAX_LINES
from mediator_tui.tui.screens.modals import ConfirmScreen
from tests.unit.tui.waiting import until


def _with_state(control, state: str) -> None:
    control.current = replace(control.current, status=replace(control.current.status, state=state))


async def _settle(pilot) -> None:
    """Let a command's worker thread finish and its result reach the UI (or the app exit)."""
    await until(pilot, lambda: not pilot.app._busy or pilot.app.return_value is not None, "the command to finish")
    await pilot.pause()


def test_keys_send_commands_to_the_core(drive, control):
    _with_state(control, "stopped")

    async def steps(pilot):
        for key in ("s", "r", "e", "x"):
            await pilot.press(key)
            await _settle(pilot)

    drive(steps)
    assert [call[0] for call in control.calls] == ["start", "reset_stats", "export_now", "stop"]


async def _ask_for_users(pilot, users: str) -> None:
    await pilot.press("u")
    await pilot.pause()
    pilot.app.screen.query_one("#users").value = users
    await pilot.press("enter")
    await pilot.pause()


def test_change_users_dialog_rescales_the_running_test(drive, control):
    async def steps(pilot):
        await _ask_for_users(pilot, "250")
        await _settle(pilot)

    drive(steps)
    assert ("rescale", 250, 2.0) in control.calls


def test_bad_users_keep_the_dialog_open(drive, control):
    async def steps(pilot):
        await _ask_for_users(pilot, "many")
        assert "whole number" in str(pilot.app.screen.query_one("#load-problem").render())

    drive(steps)
    assert not any(call[0] == "rescale" for call in control.calls)


def test_quit_during_a_live_run_asks_and_no_keeps_running(drive, control):
    async def steps(pilot):
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmScreen)
        assert ("shutdown",) not in control.calls
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await _settle(pilot)

    app = drive(steps)
    assert ("shutdown",) in control.calls
    assert app.return_value == 0


def test_quit_without_a_live_run_does_not_ask(drive, control):
    _with_state(control, "stopped")

    async def steps(pilot):
        await pilot.press("q")
        await _settle(pilot)

    drive(steps)
    assert control.calls == [("shutdown",)]


def test_logs_are_routed_by_source_and_bounded(drive, control):
    control.pending_logs = [LogLine("worker", f"worker line {i}") for i in range(MAX_LINES + 500)]
    control.pending_logs.append(LogLine("mediator", "mediator ready"))

    async def steps(pilot):
        await pilot.press("l")
        await until(pilot, lambda: not control.pending_logs, "the app to take the log lines")

        async def tab_lines(tab: str, awaited: str) -> list[str]:
            """The tab's lines once `awaited` is shown (a log writes once it is laid out)."""
            pilot.app.screen.query_one(TabbedContent).active = f"tab-{tab}"
            log = pilot.app.screen.query_one(f"#log-{tab}", RichLog)
            await until(pilot, lambda: any(awaited in line.text for line in log.lines), f"{awaited!r} in the {tab} log")
            return [line.text.rstrip() for line in log.lines]

        workers = await tab_lines("workers", f"worker line {MAX_LINES + 499}")
        assert len(workers) == MAX_LINES
        assert workers[0] == "worker line 500"
        assert await tab_lines("mediator", "mediator ready") == ["mediator ready"]
        # Crash output comes from the snapshot's crash log.
        crash = control.current.agents.crash_log[0]
        head = f"{crash.user}: {crash.reason}"
        assert head in (await tab_lines("agents", head))[0]

    drive(steps, logs_every_s=0.05)


def test_command_palette_offers_the_actions(drive, control):
    async def steps(pilot):
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the command palette")
        await pilot.press(*"export now")

        def export_is_offered_first() -> bool:
            commands = pilot.app.screen.query_one(CommandList)
            return (
                commands.option_count > 0
                and commands.highlighted == 0
                and "Export now" in str(commands.get_option_at_index(0).prompt)
            )

        await until(pilot, export_is_offered_first, "the palette to offer 'Export now' first")
        await pilot.press("enter")
        await _settle(pilot)

    drive(steps)
    assert control.calls == [("export_now",)]


def test_quitting_an_attached_run_does_not_ask_it_keeps_running_remotely(drive, control):
    control.current = replace(control.current, status=replace(control.current.status, mode="attached"))

    async def steps(pilot):
        assert "ATTACHED" in str(pilot.app.dashboard.query_one("#status").render())
        await pilot.press("q")
        await _settle(pilot)

    app = drive(steps)
    assert control.calls == [("shutdown",)]
    assert app.return_value == 0


def _notified_after_start(drive, control) -> list[str]:
    _with_state(control, "stopped")
    notified: list[str] = []

    async def steps(pilot):
        await pilot.press("s")
        await _settle(pilot)
        notified.extend(n.message for n in pilot.app._notifications)

    drive(steps)
    return notified


def test_a_start_whose_master_takes_workers_from_elsewhere_shows_the_command_for_them(drive, control):
    control.join = "mediator-tui worker --master 10.0.0.5:5557 --processes 4"
    notified = _notified_after_start(drive, control)
    assert any(m.startswith("Started") and control.join in m for m in notified), notified


def test_a_start_on_loopback_only_says_started(drive, control):
    notified = _notified_after_start(drive, control)
    assert "Started" in notified and not any("mediator-tui worker" in m for m in notified), notified
