"""Child processes of a run: one process group, no orphans.

Every process of a run shares one group, so ending the run is one `killpg`
(TERM, then KILL after a grace period), which also reaches grandchildren such
as node agents. Children also die with the tool when it is killed outright:
each sets PR_SET_PDEATHSIG (SIGTERM) before exec, and a group made with
`watchdog=True` starts with `mediator_tui.core.group_watchdog`, which ends the
whole group when the tool goes, TERM then KILL, so a child that ignores SIGTERM
ends too. A group made with `outside_watchdog=True` gets the same watchdog as a
process of its own beside the group: its first child stays the leader, whose
pid is the group's id (an embedded mediator's pid, which the probe reads).

PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the
process; so every child is forked from one long-lived daemon thread.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

TERM_GRACE_S = 10.0
KILL_GRACE_S = 5.0
_PR_SET_PDEATHSIG = 1


class ProcessError(Exception):
    pass


def free_loopback_ports(count: int) -> list[int]:
    """`count` distinct TCP ports free on 127.0.0.1 right now."""
    held = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


def _child_setup(parent_pid: int, pgid: int, die_with_parent: bool) -> None:
    """Runs in the child between fork and exec: join the run's group, die with the parent."""
    os.setpgid(0, pgid)
    if die_with_parent and sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    # The parent may have died before prctl took effect.
    if os.getppid() != parent_pid:
        os._exit(1)


class _Spawner:
    """One daemon thread that forks every child (see the module docstring)."""

    def __init__(self) -> None:
        # (Popen's keyword arguments, where to answer (True, the Popen) or (False, the error it raised))
        self._requests: queue.Queue[tuple[dict[str, Any], queue.Queue[tuple[bool, Any]]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def popen(self, **kwargs: Any) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="process-spawner", daemon=True)
                self._thread.start()
        answer: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
        self._requests.put((kwargs, answer))
        ok, value = answer.get()
        if not ok:
            raise value
        popen: subprocess.Popen[bytes] = value
        return popen

    def _serve(self) -> None:
        while True:
            kwargs, answer = self._requests.get()
            try:
                answer.put((True, subprocess.Popen(**kwargs)))
            except BaseException as error:  # handed to the caller, who raises it
                answer.put((False, error))


_spawner = _Spawner()


@dataclass
class Child:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path | None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        if self.log_path is None:
            return "(no log)"
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def signal_group(pgid: int, sig: int) -> None:
    """`sig` to every process of group `pgid`; nothing when none is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) pids of process group `pgid`, read from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name may hold spaces and parentheses: split after the last ')'.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry))
    return members


class ProcessGroup:
    """The processes of one run. The first child started leads the group; later ones join it.

    With `watchdog`, the leader is the group watchdog; it lives as long as the group, so
    the group id stays valid even when the first real child ends.
    """

    def __init__(
        self, watchdog: bool = False, env: dict[str, Any] | None = None, outside_watchdog: bool = False
    ) -> None:
        self.pgid: int | None = None
        self.children: list[Child] = []
        self._lock = threading.Lock()
        self._watchdog = watchdog
        self._watchdog_env = env
        self._outside_watchdog = outside_watchdog
        self.watchdog: subprocess.Popen[bytes] | None = None  # the outside watchdog, once the group has a leader

    def start(
        self,
        name: str,
        argv: list[str],
        env: dict[str, Any] | None = None,
        cwd: str | Path | None = None,
        log_path: Path | None = None,
    ) -> Child:
        if self._watchdog and self.pgid is None:
            # No parent-death signal for the watchdog: it must outlive the tool to end the group.
            self._start(
                "watchdog",
                [sys.executable, "-m", "mediator_tui.core.group_watchdog", str(os.getpid())],
                env or self._watchdog_env,
                None,
                None,
                die_with_parent=False,
            )
        child = self._start(name, argv, env, cwd, log_path)
        if self._outside_watchdog and self.watchdog is None:
            self.watchdog = self._start_outside_watchdog(child.pid)
        return child

    @staticmethod
    def _start_outside_watchdog(pgid: int) -> subprocess.Popen[bytes]:
        """The group watchdog in a group of its own (no parent-death signal: it must outlive the tool); it ends
        `pgid` when the tool goes and ends itself once that group is empty."""
        root = str(Path(__file__).resolve().parents[2])  # the folder holding this package: installed or not
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
        return _spawner.popen(
            args=[sys.executable, "-m", "mediator_tui.core.group_watchdog", str(os.getpid()), str(pgid)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_bind(os.getpid(), 0, False),
        )

    def _start(
        self,
        name: str,
        argv: list[str],
        env: dict[str, Any] | None,
        cwd: str | Path | None,
        log_path: Path | None,
        die_with_parent: bool = True,
    ) -> Child:
        with self._lock:
            log: IO[bytes] | int = subprocess.DEVNULL
            if log_path is not None:
                log_path.parent.mkdir(parents=True, exist_ok=True)
                log = open(log_path, "ab")
            try:
                pgid = self.pgid or 0
                if pgid and not group_members(pgid):
                    raise ProcessError(f"cannot start {name}: the run's other processes have all ended")
                popen = _spawner.popen(
                    args=argv,
                    env=env,
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_bind(os.getpid(), pgid, die_with_parent),
                )
            finally:
                if not isinstance(log, int):  # the file opened above
                    log.close()
            if self.pgid is None:
                self.pgid = popen.pid
            child = Child(name, popen, log_path)
            self.children.append(child)
            return child

    def alive(self) -> bool:
        return self.pgid is not None and bool(group_members(self.pgid))

    def reap(self) -> None:
        for child in self.children:
            child.popen.poll()

    def stop(self, term_grace_s: float = TERM_GRACE_S, kill_grace_s: float = KILL_GRACE_S) -> None:
        """TERM the whole group, wait, then KILL; reap our children. Safe to call twice."""
        pgid = self.pgid
        if pgid is None:
            return
        signal_group(pgid, signal.SIGTERM)
        if not self._wait_gone(pgid, term_grace_s):
            signal_group(pgid, signal.SIGKILL)
            if not self._wait_gone(pgid, kill_grace_s):
                raise ProcessError(f"process group {pgid} survived SIGKILL")
        for child in self.children:
            try:
                child.popen.wait(timeout=kill_grace_s)
            except subprocess.TimeoutExpired:
                raise ProcessError(f"{child.name} (pid {child.pid}) could not be reaped") from None
        if self.watchdog is not None:  # it has nothing left to guard
            self.watchdog.kill()
            self.watchdog.wait(timeout=kill_grace_s)

    def _wait_gone(self, pgid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            self.reap()
            if not group_members(pgid):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def _bind(parent_pid: int, pgid: int, die_with_parent: bool) -> Callable[[], None]:
    return lambda: _child_setup(parent_pid, pgid, die_with_parent)
