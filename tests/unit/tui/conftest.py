"""Fixtures for the TUI tests: a stand-in for the run core that serves fixed snapshots (of a recorded run)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.run.logs import LogLine
from mediator_tui.tui.app import MediatorTuiApp
from tests.recording.replay import running_run
from tests.unit.tui.waiting import until


class FakeControl:
    """Records the commands the app sends; its snapshot is whatever the test sets."""

    def __init__(self) -> None:
        self.current: Snapshot = running_run()
        self.calls: list[tuple] = []
        self.pending_logs: list[LogLine] = []
        self.join = ""  # the run's worker command for other hosts, as a test sets it

    def snapshot(self) -> Snapshot:
        return self.current

    def drain_logs(self) -> list[LogLine]:
        lines, self.pending_logs = self.pending_logs, []
        return lines

    @staticmethod
    def redact(text: str) -> str:
        return text.replace("s3cr3t-token", "****")

    def start(self) -> None:
        self.calls.append(("start",))
        self.current = replace(self.current, status=replace(self.current.status, state="running"))

    def join_command(self) -> str:
        return self.join

    def stop(self) -> None:
        self.calls.append(("stop",))
        self.current = replace(self.current, status=replace(self.current.status, state="stopped"))

    def rescale(self, users: int, spawn_rate: float) -> None:
        self.calls.append(("rescale", users, spawn_rate))

    def reset_stats(self) -> None:
        self.calls.append(("reset_stats",))

    def export_now(self) -> Path:
        self.calls.append(("export_now",))
        return Path("/tmp/export")

    def shutdown(self) -> None:
        self.calls.append(("shutdown",))


@pytest.fixture(autouse=True)
def utc_clock(monkeypatch):
    """Crash times are shown in local time; snapshots must not depend on the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def control() -> FakeControl:
    return FakeControl()


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    """A small .env with comments, next to a scenario file so that LOCUST_FILES is valid."""
    (tmp_path / "locustMediatorPing.py").write_text("# scenario\n")
    path = tmp_path / ".env"
    path.write_text(
        "# Who we test\n"
        "MEDIATION_URL=\n"
        "\n"
        "# How hard\n"
        "LOCUST_FILES=locustMediatorPing.py\n"
        "LOCUST_USERS=10  # wallets\n"
        'ISSUER_HEADERS=\'{"Authorization": "Bearer s3cr3t-token"}\'\n'
    )
    return path


@pytest.fixture
def drive(control: FakeControl, env_file: Path):
    """Run the app headless on the fake core, call `steps(pilot)`, return the app after it closed."""

    def run(steps, *, size: tuple[int, int] = (80, 24), **app_options) -> MediatorTuiApp:
        app = MediatorTuiApp(control, env_file, **app_options)

        async def main() -> None:
            async with app.run_test(size=size) as pilot:
                # The first snapshot is drawn, as a user sees it before typing.
                await until(pilot, lambda: app.latest is not None, "the first snapshot")
                await pilot.pause()
                await steps(pilot)

        asyncio.run(main())
        return app

    return run
