"""Ends a group of the tool's children when the tool dies: TERM, then KILL.

Usage: python -m mediator_tui.core.group_watchdog TOOL_PID [PGID]

Each other child gets PR_SET_PDEATHSIG, but a child may mishandle SIGTERM (an
ACA-Py 0.12.8 mediator ignores it) and its own children (node agents) never
get that signal. This process notices the tool is gone (a new parent pid) and
ends the group: TERM, then KILL after a grace period. It has no parent-death
signal itself: that signal can arrive before the reparenting shows in
getppid(), and would end it before it could act.

Without PGID it is the first process of the group it watches (a run's): when
the tool ends the group itself, SIGTERM ends this process like the others.
With PGID it watches that group from outside (`ProcessGroup(outside_watchdog=True)`),
so that the group's first real child stays its leader, and it ends itself once
the group is empty.

A separate process, not a thread in the Locust processes: a real thread
started before gevent's monkey-patching deadlocks Locust's imports.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from mediator_tui.core.processes import group_members, signal_group

CHECK_EVERY_S = 0.5
TERM_GRACE_S = 5.0


def end_group(pgid: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # when a member of the group: outlive the TERM to end the rest
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + TERM_GRACE_S
    while time.monotonic() < deadline and set(group_members(pgid)) - {os.getpid()}:
        time.sleep(0.1)
    signal_group(pgid, signal.SIGKILL)


def main(tool_pid: int, pgid: int | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the tool's to handle
    while os.getppid() == tool_pid:
        if pgid is not None and not group_members(pgid):
            return  # the group ended without the tool's help: nothing left to guard
        time.sleep(CHECK_EVERY_S)
    end_group(os.getpgid(0) if pgid is None else pgid)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or not all(arg.isdigit() for arg in sys.argv[1:]):
        sys.exit("usage: python -m mediator_tui.core.group_watchdog TOOL_PID [PGID]")
    main(*map(int, sys.argv[1:]))
