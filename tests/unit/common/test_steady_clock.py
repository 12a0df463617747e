"""The tool's clock reads as the time of day and does not follow a step of the system clock."""

from __future__ import annotations

import time

import pytest

from mediator_tui.common.steady_clock import steady_wall_clock
from mediator_tui.core.metrics.store import MetricStore


class _Clocks:
    """A fixed monotonic clock and a wall clock that an operator can set."""

    def __init__(self) -> None:
        self.monotonic, self.wall = 500.0, 1_800_000_000.0


@pytest.fixture
def clocks(monkeypatch) -> _Clocks:
    fixed = _Clocks()
    monkeypatch.setattr(time, "monotonic", lambda: fixed.monotonic)
    monkeypatch.setattr(time, "time", lambda: fixed.wall)
    return fixed


def test_a_step_of_the_system_clock_changes_no_duration(clocks):
    clock = steady_wall_clock()
    assert clock() == 1_800_000_000.0  # the time of day, as a label
    clocks.wall -= 3600  # the system clock set back an hour
    clocks.monotonic += 2.5
    assert clock() == 1_800_000_002.5


def test_a_run_is_timed_on_the_monotonic_clock(clocks):
    store = MetricStore("local", "")
    store.swarm_requested(users=2, spawn_rate=1.0)
    clocks.wall += 7200  # the system clock jumps two hours ahead mid-run
    clocks.monotonic += 10.0
    status = store.snapshot().status
    assert status.started_at == 1_800_000_000.0
    assert store.snapshot().taken_at - status.started_at == 10.0
