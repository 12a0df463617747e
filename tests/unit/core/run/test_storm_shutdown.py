"""A run shut down while its reconnect storm restarts the mediator: the restarted mediator is ended, not left."""

from __future__ import annotations

import threading

import pytest

from mediator_tui.core.run.controller import RunError, RunLoad
from mediator_tui.core.run.local import LocalRun, LocalSpec


class SlowRestart:
    """A mediator whose restart holds until the test lets it go; it records what was done to it, in order."""

    def __init__(self) -> None:
        self.restarting, self.release = threading.Event(), threading.Event()
        self.done: list[str] = []

    def restart(self) -> None:
        self.restarting.set()
        assert self.release.wait(10)
        self.done.append("restarted")

    def stop(self) -> None:
        self.done.append("stopped")


def test_a_shutdown_during_the_restart_ends_the_mediator_after_it_came_back(tmp_path):
    run = LocalRun(LocalSpec(locustfiles=(), run_dir=tmp_path), RunLoad(users=1, spawn_rate=1))
    mediator = SlowRestart()
    run.mediator = mediator  # type: ignore[assignment]
    storm = threading.Thread(target=run._restart_mediator, args=(mediator,))
    storm.start()
    assert mediator.restarting.wait(10)
    shutdown = threading.Thread(target=run.shutdown)
    shutdown.start()
    shutdown.join(0.3)
    assert shutdown.is_alive()  # it waits for the restart rather than stopping a mediator half started
    mediator.release.set()
    storm.join(10)
    shutdown.join(10)
    assert mediator.done == ["restarted", "stopped"]
    assert run.probe is None


def test_a_storm_due_after_the_shutdown_restarts_nothing(tmp_path):
    run = LocalRun(LocalSpec(locustfiles=(), run_dir=tmp_path), RunLoad(users=1, spawn_rate=1))
    mediator = SlowRestart()
    run.shutdown()
    with pytest.raises(RunError, match="shut down"):
        run._restart_mediator(mediator)  # type: ignore[arg-type]
    assert mediator.done == []
