"""Loopback ports, readiness and the mediator's process group.

Process groups, TERM-then-KILL and zombie-free membership come from
`mediator_tui.core.processes`; this module adds what a mediator needs on top:
ports a user may force, a detached start that outlives the CLI, and adopting
the group of a mediator another process started.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mediator_tui.core.mediator.errors import MediatorError
from mediator_tui.core.processes import Child, ProcessError, ProcessGroup, free_loopback_ports, group_members

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Ports:
    http: int
    ws: int
    admin: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves do: a port whose only sockets are in TIME_WAIT after a
        # restart is free for them, so it must be for this check too.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


def pick_ports(http: int | None = None, ws: int | None = None, admin: int | None = None) -> Ports:
    """Free loopback ports; a port given by the caller is checked and kept, the others are chosen."""
    forced = {"http": http, "ws": ws, "admin": admin}
    for name, port in forced.items():
        if port is not None and port_in_use(port):
            raise MediatorError(
                f"port {HOST}:{port} ({name}) is already in use; choose another or leave it out to pick a free one"
            )
    free = [p for p in free_loopback_ports(6) if p not in forced.values()]
    chosen = {name: port if port is not None else free.pop() for name, port in forced.items()}
    return Ports(**chosen)


def spawn(name: str, argv: list[str], env: dict[str, Any], cwd: Path, log_path: Path, detached: bool) -> ProcessGroup:
    """Start `argv` as the leader of a process group of its own, its output in `log_path`.

    It dies with this process unless `detached` (`spawn_detached`): a parent-death signal (SIGTERM), and a
    watchdog beside the group that KILLs it when TERM did not end it (ACA-Py 0.12.8 ignores SIGTERM). `argv` stays
    the group's leader: its pid is the group's id.
    """
    if detached:
        return spawn_detached(name, argv, env, cwd, log_path)
    group = ProcessGroup(outside_watchdog=True)
    group.start(name, argv, env=env, cwd=cwd, log_path=log_path)
    return group


def spawn_detached(name: str, argv: list[str], env: dict[str, Any], cwd: Path, log_path: Path) -> ProcessGroup:
    """Start `argv` as the leader of a new session that outlives this process (for `mediator up`).

    Unlike `ProcessGroup.start`, no parent-death signal: the mediator must keep
    running after the CLI that started it exits.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        popen = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    group = adopt_group(popen.pid)
    group.children.append(Child(name, popen, log_path))
    return group


def adopt_group(pgid: int) -> ProcessGroup:
    """A handle to stop an existing process group; its processes are not our children."""
    group = ProcessGroup()
    group.pgid = pgid
    return group


def owns_group(pgid: int | None, leader_start_ticks: int | None) -> bool:
    """Whether the group we started as `pgid` is still ours.

    A process group id cannot be reused while any member lives, so the group is still ours unless its
    leader's pid now belongs to a process started later."""
    ticks = start_ticks(pgid)
    return ticks is None or ticks == leader_start_ticks


def group_running(pgid: int | None, leader_start_ticks: int | None) -> bool:
    return pgid is not None and owns_group(pgid, leader_start_ticks) and bool(group_members(pgid))


def end_group(group: ProcessGroup | None, pgid: int, leader_start_ticks: int | None, what: str) -> None:
    """TERM, then KILL, the group we started (`group`, or adopted by its id when another process started it),
    unless it is no longer ours; MediatorError naming `what` when it survives."""
    if owns_group(pgid, leader_start_ticks):
        try:
            (group or adopt_group(pgid)).stop()
        except ProcessError as err:
            raise MediatorError(f"{what}: {err}") from None


def log_excerpt(log_path: Path, tail: int = 20, errors: int = 5) -> str:
    """The last lines naming an error, then the last `tail` lines.

    A crash at start often prints its reason above a long traceback or usage text.
    """
    try:
        with open(log_path, errors="replace") as log:
            lines = log.readlines()
    except OSError:
        return "(no log)\n"
    error_lines = [line for line in lines[:-tail] if "error" in line.lower()][-errors:]
    return "".join(error_lines + (["...\n"] if error_lines else []) + lines[-tail:])


def wait_ready(
    is_ready: Callable[[], bool], is_alive: Callable[[], bool], timeout: float, log_path: Path, what: str
) -> None:
    """Poll `is_ready` until true; MediatorError with the log tail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive():
            raise MediatorError(f"{what} exited during start; last log lines ({log_path}):\n" + log_excerpt(log_path))
        if is_ready():
            return
        time.sleep(0.25)
    raise MediatorError(
        f"{what} not ready after {timeout:.0f}s; last log lines ({log_path}):\n" + log_excerpt(log_path)
    )


def start_ticks(pid: int | None) -> int | None:
    """When `pid` started (clock ticks since boot), to tell it from a later process reusing the pid;
    None when it cannot be read (or there is no pid)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None
