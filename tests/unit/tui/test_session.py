"""Saved configuration changes apply to the next start, and a broken file does not stop the TUI."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediator_tui.core.config import ConfigError, Problem
from mediator_tui.tui.session import RunSession

from .conftest import FakeControl


class Builder:
    """Builds fake runs from the file; a file containing BROKEN has a problem."""

    def __init__(self) -> None:
        self.built: list[FakeControl] = []

    def __call__(self, path: Path) -> FakeControl:
        if "BROKEN" in path.read_text():
            raise ConfigError([Problem("LOCUST_USERS", "is not a whole number", "BROKEN")])
        self.built.append(FakeControl())
        return self.built[-1]


def test_a_start_after_the_file_changed_builds_a_new_run(env_file: Path):
    build = Builder()
    session = RunSession(env_file, build, attached=False)
    session.start()
    session.start()
    assert len(build.built) == 1
    env_file.write_text(env_file.read_text().replace("LOCUST_USERS=10", "LOCUST_USERS=20"))
    session.start()
    first, second = build.built
    assert first.calls == [("start",), ("start",), ("shutdown",)]
    assert second.calls == [("start",)]


def test_a_broken_file_leaves_an_idle_session_that_says_why(env_file: Path):
    env_file.write_text("LOCUST_USERS=BROKEN\n")
    build = Builder()
    session = RunSession(env_file, build, attached=False)
    assert session.problems == ["LOCUST_USERS: is not a whole number (value: 'BROKEN')"]
    assert "press c" in session.snapshot().status.error
    with pytest.raises(ConfigError, match="not a whole number"):
        session.start()
    env_file.write_text("LOCUST_USERS=12\n")
    session.start()
    assert build.built[0].calls == [("start",)]
    assert session.problems == []
