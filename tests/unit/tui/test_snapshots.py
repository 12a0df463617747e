"""Rendered screens with fixed data (a recorded run, `tests/recording/replay.py`) and fixed terminal sizes.

Regenerate after an intended change of the look: pytest tests/unit/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mediator_tui.tui.app import MediatorTuiApp
from tests.support.host_reports import one_host_lost_to_cpu
from tests.unit.tui.waiting import until


@pytest.fixture
def app(control, env_file: Path, monkeypatch) -> MediatorTuiApp:
    # A relative path: the config screen shows it, and a tmp path differs per run.
    monkeypatch.chdir(env_file.parent)
    return MediatorTuiApp(control, Path(".env"))


async def _first_snapshot(pilot) -> None:
    """The app draws its first snapshot once it has drawn itself; a screen opened before that would
    cover a dashboard that waits for it (as it does for every snapshot while another screen is shown)."""
    await until(pilot, lambda: pilot.app.latest is not None, "the first snapshot")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (100, 32)])
def test_dashboard(snap_compare, app, size):
    assert snap_compare(app, run_before=_first_snapshot, terminal_size=size)


def test_dashboard_wide(snap_compare, app):
    assert snap_compare(app, run_before=_first_snapshot, terminal_size=(200, 50))


def test_dashboard_with_the_request_table_zoomed(snap_compare, app):
    async def zoom_the_request_table(pilot):
        await _first_snapshot(pilot)
        await pilot.press("3", "z")

    assert snap_compare(app, run_before=zoom_the_request_table, terminal_size=(100, 32))


async def _steady(pilot) -> None:
    """Blinking cursors and unfinished layout or scrolling make the picture depend on timing."""
    for editor in pilot.app.screen.query("Input"):
        editor.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.2)


def test_config_screen(snap_compare, app):
    async def open_config(pilot):
        await _first_snapshot(pilot)
        await pilot.press("c")
        await _steady(pilot)

    assert snap_compare(app, run_before=open_config, terminal_size=(100, 32))


def test_config_screen_with_a_problem(snap_compare, app):
    async def type_a_negative_count(pilot):
        await _first_snapshot(pilot)
        await pilot.press("c")
        await _steady(pilot)
        editor = pilot.app.screen.query_one("#edit-INVITATION_ROTATE_EVERY")
        editor.focus()
        editor.value = "-5"
        await pilot.pause()

    assert snap_compare(app, run_before=type_a_negative_count, terminal_size=(80, 24))


def test_change_load_dialog(snap_compare, app):
    async def open_dialog(pilot):
        await _first_snapshot(pilot)
        await pilot.press("u")
        await pilot.pause()
        await _steady(pilot)

    assert snap_compare(app, run_before=open_dialog, terminal_size=(80, 24))


def test_workers_by_host_with_one_host_lost_to_cpu(snap_compare, app, control):
    control.current = one_host_lost_to_cpu().store.snapshot()

    async def open_workers(pilot):
        await _first_snapshot(pilot)
        await pilot.press("w")
        await pilot.pause()

    assert snap_compare(app, run_before=open_workers, terminal_size=(100, 32))
