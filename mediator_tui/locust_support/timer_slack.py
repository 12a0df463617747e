"""Fewer wake-ups for a process that holds thousands of agents.

Each agent's think time ends on a timer of its own, so a worker with thousands of agents wakes from its
event loop for timers hundreds of times a second, and at that pace the wake-up (a cold cache after
sleeping) costs more than the work it wakes for. Linux lets a process allow its timers some slack, within
which the kernel folds expiries together. Readiness of a socket still wakes the loop at once, so
measured latencies are untouched; only when a think time ends may move by up to the slack, which is
small against think times of seconds.
"""

from __future__ import annotations

import ctypes
import sys

TIMER_SLACK_SECONDS = 0.005
_PR_SET_TIMERSLACK = 29


def allow_timer_slack(seconds: float = TIMER_SLACK_SECONDS) -> bool:
    """Let the kernel delay this process's timer wake-ups by up to `seconds`; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(_PR_SET_TIMERSLACK, int(seconds * 1e9), 0, 0, 0) == 0
