"""A run's processes end together: on stop, and when the tool itself is killed."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from mediator_tui.core.processes import ProcessGroup, group_members
from tests.support.paths import REPO
from tests.support.procs import alive

STUBBORN = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"]


def wait_gone(pids, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not [pid for pid in pids if alive(pid)]:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


@pytest.mark.parametrize("outside_watchdog", [False, True], ids=["alone", "outside-watchdog"])
def test_stop_kills_a_child_that_ignores_sigterm_and_reaps_it(outside_watchdog):
    group = ProcessGroup(outside_watchdog=outside_watchdog)
    child = group.start("stubborn", STUBBORN)
    time.sleep(0.3)  # let it install its handler
    started = time.monotonic()
    group.stop(term_grace_s=0.5, kill_grace_s=5.0)
    assert time.monotonic() - started < 5.0
    assert child.popen.returncode == -signal.SIGKILL
    assert not group_members(group.pgid)
    if outside_watchdog:
        assert group.watchdog is not None and group.watchdog.returncode is not None, "its watchdog ended and reaped"


def test_children_share_one_group_with_their_own_children():
    group = ProcessGroup()
    parent = group.start(
        "parent",
        [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen(['sleep', '120']); time.sleep(120)"],
    )
    deadline = time.monotonic() + 5
    while len(group_members(group.pgid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(group_members(group.pgid)) == 2
    group.stop(term_grace_s=2.0)
    assert not group_members(group.pgid) and parent.popen.returncode is not None


OWNER = textwrap.dedent("""
    import sys, time
    from mediator_tui.core.processes import ProcessGroup
    group = ProcessGroup(watchdog={watchdog})
    group.start("stubborn", {stubborn!r})
    group.start("sleeper", ["sleep", "120"])
    print(group.pgid, flush=True)
    time.sleep(120)
""")


@pytest.mark.parametrize("watchdog", [True, False], ids=["watchdog", "parent-death-signal-only"])
def test_nothing_survives_a_sigkill_of_the_owner(watchdog):
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER.format(watchdog=watchdog, stubborn=STUBBORN)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    pgid = None
    try:
        pgid = int(owner.stdout.readline())
        members = sorted(group_members(pgid))  # pids rise in start order
        assert len(members) == (3 if watchdog else 2)
        time.sleep(0.3)
        owner.kill()
        owner.wait(5)
        stubborn, sleeper = members[-2:]  # started in this order after the watchdog
        if watchdog:
            assert wait_gone(members, 10.0) == [], "the watchdog must end even a child that ignores SIGTERM"
        else:
            # Without the watchdog only PR_SET_PDEATHSIG acts: the plain child dies, the stubborn one not.
            assert wait_gone([sleeper], 10.0) == []
            assert alive(stubborn)
    finally:
        owner.kill()
        if pgid is not None and group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)


# Starts STUBBORN as the embedded mediator is started (not detached), and prints the group's id, the pid of what
# it started and the pid of the group's watchdog.
MEDIATOR_OWNER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from mediator_tui.core.mediator.process import spawn
    folder = Path(sys.argv[1])
    group = spawn("mediator", {stubborn!r}, dict(os.environ), folder, folder / "mediator.log", detached=False)
    print(group.pgid, group.children[-1].pid, group.watchdog.pid, flush=True)
    time.sleep(120)
""")


def test_an_embedded_mediator_that_ignores_sigterm_ends_when_its_owner_is_killed(tmp_path):
    """ACA-Py 0.12.8 ignores the SIGTERM of its parent-death signal: the watchdog beside its group KILLs it after
    the grace period. The mediator stays its group's leader: the pid the probe reads is the group's id."""
    owner = subprocess.Popen(
        [sys.executable, "-c", MEDIATOR_OWNER.format(stubborn=STUBBORN), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    pgid = None
    try:
        pgid, mediator, watchdog = map(int, owner.stdout.readline().split())
        assert pgid == mediator
        assert group_members(pgid) == [mediator], "the watchdog is no member of the group it guards"
        time.sleep(0.3)  # let it install its handler
        owner.kill()
        owner.wait(5)
        assert wait_gone([mediator], 10.0) == [], "a mediator ignoring SIGTERM outlived its killed owner"
        assert wait_gone([watchdog], 5.0) == [], "the watchdog outlived the group it guards"
    finally:
        owner.kill()
        if pgid is not None and group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)
