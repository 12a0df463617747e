"""The first process of a run's group: ends the whole group when the tool dies.

Usage: python -m mediator_tui.core.group_watchdog TOOL_PID

Each other child gets PR_SET_PDEATHSIG, but a child may mishandle SIGTERM and
its own children (node agents) never get that signal. This process notices
the tool is gone (a new parent pid) and ends its group: TERM, then KILL. It
has no parent-death signal itself: that signal can arrive before the
reparenting shows in getppid(), and would end it before it could act. When
the tool ends the group itself, SIGTERM ends this process like the others.

A separate process, not a thread in the Locust processes: a real thread
started before gevent's monkey-patching deadlocks Locust's imports.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from mediator_tui.core.processes import group_members

CHECK_EVERY_S = 0.5
TERM_GRACE_S = 5.0


def end_group() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pgid = os.getpgid(0)
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + TERM_GRACE_S
    while time.monotonic() < deadline and set(group_members(pgid)) - {os.getpid()}:
        time.sleep(0.1)
    os.killpg(pgid, signal.SIGKILL)


def main(tool_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the tool's to handle
    while os.getppid() == tool_pid:
        time.sleep(CHECK_EVERY_S)
    end_group()


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m mediator_tui.core.group_watchdog TOOL_PID")
    main(int(sys.argv[1]))
