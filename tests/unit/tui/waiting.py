"""Waiting in a TUI test for what the app will do, however late a loaded host runs its timers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

# How long a test waits for something the app will do: generous, as a loaded host may run the app's
# timers and workers late; a test that waits this long has failed, one that passes waits only as long as needed.
PATIENCE_S = 30.0


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str) -> None:
    """Let the app run until `condition()` holds (fails after PATIENCE_S, naming `what`)."""
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"waited {PATIENCE_S:g} s for {what}"
        await pilot.pause(0.05)
