"""Locust workers on this host for a master the tool started on another (`mediator-tui worker`).

Before any worker starts, a short-lived client asks the master for the run (mediator_tui/
locust_support/join_master.py): the master refuses a worker of another release, or answers with the
run's settings that travel and the names of the secrets it uses. The workers then start with those
settings over this host's own `.env` and environment (where the secrets are), and fetch the scenarios
from the master with Locust's own `-f -`: they need none of the master's paths, only this package.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mediator_tui.common.host_limits import local_port_range
from mediator_tui.common.open_files import raise_open_file_limit
from mediator_tui.contracts.worker_join import JoinReply, read_join_reply, refusal
from mediator_tui.core.config import BY_KEY
from mediator_tui.core.processes import ProcessGroup
from mediator_tui.core.run.local import LOCUST_READS, locust_command, locust_environment, worker_args

DEFAULT_MASTER_PORT = int(BY_KEY["MASTER_PORT"].default)
JOIN_TIMEOUT_S = 15.0


class WorkerError(Exception):
    """Why the workers cannot start: one line for the user."""


@dataclass(frozen=True)
class MasterAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_master(text: str) -> MasterAddress:
    """`HOST`, `HOST:PORT` or `[IPV6]:PORT`; the port defaults to Locust's (5557)."""
    text = text.strip()
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise WorkerError(f"--master {text!r}: expected HOST[:PORT]")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host or any(c.isspace() or c in "/@[]" for c in host):
        raise WorkerError(f"--master {text!r}: expected HOST[:PORT], e.g. 10.0.0.5 or 10.0.0.5:5557")
    if not port_text:
        return MasterAddress(host, DEFAULT_MASTER_PORT)
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise WorkerError(f"--master {text!r}: the port must be a number from 1 to 65535")
    return MasterAddress(host, int(port_text))


@dataclass(frozen=True)
class HostLimits:
    host: str
    open_files: int  # the soft limit after raising it
    open_files_before: int
    port_range: tuple[int, int]
    cpus: int

    def describe(self) -> str:
        raised = f" (raised from {self.open_files_before})" if self.open_files != self.open_files_before else ""
        low, high = self.port_range
        return (
            f"host {self.host}: open files {self.open_files}{raised}, ephemeral ports {low}-{high} "
            f"({high - low + 1}), {self.cpus} CPUs"
        )


def prepare_host() -> HostLimits:
    """Raise this process's open-file limit (the workers inherit it) and read the host's limits."""
    import resource

    before = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    after = raise_open_file_limit()
    return HostLimits(socket.gethostname(), after, before, local_port_range(), os.cpu_count() or 1)


def join(master: MasterAddress, version: str, timeout_s: float = JOIN_TIMEOUT_S) -> JoinReply:
    """The master's answer to a worker of `version`; WorkerError when it does not answer or refuses."""
    argv = [sys.executable, "-m", "mediator_tui.locust_support.join_master", master.host, str(master.port)]
    try:
        done = subprocess.run(
            [*argv, version, str(timeout_s)],
            capture_output=True,
            text=True,
            timeout=timeout_s + 30,  # its own timeout, plus importing Locust
            env=locust_environment(os.environ),
        )
        answer = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    except (subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as error:
        raise WorkerError(f"master {master}: no answer ({error})") from None
    problem = answer.get("error") if isinstance(answer, dict) else "not a JSON object"
    if problem == "timeout" or not answer:
        raise WorkerError(
            f"master {master} did not answer within {timeout_s:g} s: is a run of mediator-tui started there, "
            "its master bound to an address this host reaches (MASTER_HOST, MASTER_PORT)?"
        )
    if problem:
        raise WorkerError(f"master {master}: {problem}")
    reply = read_join_reply(answer)
    # A master that accepts another version is refused here too: settings would be read by another release.
    refused = reply.refused or refusal(version, reply.master_version)
    if refused:
        raise WorkerError(refused)
    return reply


def missing_secrets(reply: JoinReply, local: Mapping[str, str]) -> tuple[str, ...]:
    """The secrets the run uses that this host's `.env` and environment do not set."""
    return tuple(name for name in reply.secrets if not local.get(name))


def worker_environment(local: Mapping[str, str], reply: JoinReply, processes: int) -> dict[str, str]:
    """This host's environment and `.env` settings (`local`), the master's settings over them."""
    env = {key: value for key, value in {**local, **reply.settings}.items() if key not in LOCUST_READS}
    # The workers of this host split the port pool by their index among this many (0: as many as Locust
    # forks, one per core for `--processes -1`; mediator_tui/locust_support/port_pool.py).
    env["LOCUST_WORKERS"] = str(max(0, processes))
    return locust_environment(env)


def worker_command(master: MasterAddress, processes: int) -> list[str]:
    """Locust workers that fetch the scenarios from the master (`-f -`); several forked by Locust itself
    (`processes` > 1, or -1 for one per core)."""
    extra = ("--processes", str(processes)) if processes != 1 else ()
    return locust_command(*worker_args(master.host, master.port), "-f", "-", *extra)


def run_workers(argv: list[str], env: dict[str, str], out: TextIO, poll_s: float = 0.2) -> int:
    """Run the Locust workers until they end, their output copied to `out`; return Locust's exit status.

    They end when the master quits (it sends them `quit`; a master gone without one is found by its missing
    heartbeats, Locust's MASTER_HEARTBEAT_TIMEOUT), on Ctrl-C or SIGTERM here, and with this process: they are
    a process group of their own with a watchdog (mediator_tui/core/processes.py), so none is left behind."""
    group = ProcessGroup(watchdog=True)
    previous = signal.signal(signal.SIGTERM, _exit_on_term)
    with tempfile.TemporaryDirectory(prefix="mediator-tui-worker-") as run_dir:
        log_path = Path(run_dir) / "workers.log"
        try:
            child = group.start("workers", argv, env=env, cwd=run_dir, log_path=log_path)
            with open(log_path, errors="replace") as log:
                while child.alive():
                    out.write(log.read())
                    out.flush()
                    time.sleep(poll_s)
                out.write(log.read())
                out.flush()
            return child.popen.wait()
        except KeyboardInterrupt:
            return 130
        finally:
            signal.signal(signal.SIGTERM, previous)
            group.stop()


def _exit_on_term(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
