"""Fault-injection runs: the tool's own run core (`LocalRun`, tests/fixtures/local_run.py) driven
from the test, with the faults injected from outside as a user's machine would suffer them."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mediator_tui.core.mediator import LocalMediator
from tests.fixtures.local_run import LOCUSTFILES, QUICK, REPO, write_env

__all__ = ["DATA", "LOCUSTFILES", "QUICK", "REPO", "freeze", "write_env"]

DATA = Path(__file__).parent / "data"


@pytest.fixture
def own_mediator(tmp_path):
    """An ACA-Py mediator a test may kill or freeze: not the session's shared one."""
    mediator = LocalMediator("acapy", run_dir=tmp_path / "mediator").start()
    yield mediator
    mediator.stop()


def freeze(mediator: LocalMediator, seconds: float, midway: Callable[[], None] = lambda: None) -> float:
    """Stop the mediator's process group (SIGSTOP) for `seconds`, calling `midway` halfway, then resume it;
    the moment it resumed."""
    os.killpg(mediator.pgid, signal.SIGSTOP)
    try:
        time.sleep(seconds / 2)
        midway()
        time.sleep(seconds / 2)
    finally:
        os.killpg(mediator.pgid, signal.SIGCONT)  # an interrupted test must not leave it stopped
    return time.monotonic()
