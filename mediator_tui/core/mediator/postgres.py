"""A private PostgreSQL cluster for the embedded mediator's wallet: made, started and stopped by the tool.

The cluster lives in a folder of its own under the cache (`$XDG_CACHE_HOME/mediator-tui/postgres/`), or in
one its caller keeps (a wallet population's, beside its file, started again run after run):
`data/` (made by `initdb`), `password` (the account's password, mode 0600, never on a command line or in
any output) and `postgres.log`. Its server listens on 127.0.0.1 only, on a port of its own, with no unix
socket, so it never meets the system's PostgreSQL service. It runs in a process group of its own, apart
from the mediator's: a mediator that crashes or is restarted finds its wallet where it left it.

PostgreSQL refuses to run as root. As root the programs run in a user namespace (util-linux `unshare`)
where they are an unprivileged user while their files stay root's, so the cluster folder may stay in
root's own cache (https://www.postgresql.org/docs/15/app-initdb.html, `man 1 unshare`).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediator_tui.common.app_dirs import cache_dir
from mediator_tui.common.cached_install import Progress, quiet
from mediator_tui.common.child_env import allowlisted_environment
from mediator_tui.core.mediator import postgres_binaries, process
from mediator_tui.core.mediator.errors import MediatorError
from mediator_tui.core.mediator.process import HOST
from mediator_tui.core.processes import ProcessError, ProcessGroup, free_loopback_ports, group_members

# Where a mediator keeps its wallet (MEDIATOR_STORAGE): ACA-Py's SQLite file in its run directory, or a
# private cluster.
SQLITE, POSTGRES = "sqlite", "postgres"
STORAGES = (SQLITE, POSTGRES)
ACCOUNT = "mediator"
# PostgreSQL's own default: what a server gets unless its operator says otherwise.
DEFAULT_MAX_CONNECTIONS = 100
READY_TIMEOUT_S = 60.0
INITDB_TIMEOUT_S = 120.0
# A fast shutdown ends the sessions and writes a checkpoint: seconds at most.
STOP_GRACE_S = 10.0
# postmaster.pid's eighth line says "ready" once the server accepts connections
# (https://www.postgresql.org/docs/15/storage-file-layout.html, src/include/utils/pidfile.h).
_PM_STATUS_LINE = 7


# What the server logs when it refuses a connection for want of a slot
# (https://www.postgresql.org/docs/15/runtime-config-connection.html).
REFUSALS = (b"too many clients already", b"remaining connection slots are reserved")


def count_refusals(lines: Iterable[bytes]) -> int:
    return sum(1 for line in lines if any(words in line for words in REFUSALS))


def refusals_text(refused: int, max_connections: int | None) -> str:
    """The words for connections the server refused: ACA-Py's own error for them is only a timeout."""
    limit = f" (max_connections {max_connections}, MEDIATOR_POSTGRES_MAX_CONNECTIONS)" if max_connections else ""
    return f"the database refused {refused} connections: too many clients{limit}"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class PostgresError(MediatorError):
    """The private cluster could not be made, started or stopped; the message says why."""


def clusters_dir() -> Path:
    return cache_dir() / "postgres"


@dataclass(frozen=True)
class DatabaseLogin:
    """How a mediator reaches the cluster: loopback address and port, account, and the file holding its password."""

    host: str
    port: int
    account: str
    password_file: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except OSError as err:
            raise PostgresError(
                f"cannot read the cluster's password file {self.password_file}: {err.strerror}"
            ) from None


def check_max_connections(max_connections: int) -> None:
    if max_connections < 1:
        raise PostgresError(f"max_connections must be at least 1, not {max_connections}")


def unprivileged_prefix() -> list[str]:
    """The words that run a program as an unprivileged user when this process is root; none otherwise."""
    if os.geteuid() != 0:
        return []
    if shutil.which("unshare") is None:
        raise PostgresError(
            "PostgreSQL refuses to run as root and util-linux's `unshare` (to run it as an unprivileged user) "
            "is not on PATH; install util-linux or run the tool as a normal user"
        )
    try:
        nobody = pwd.getpwnam("nobody")
        ids = (nobody.pw_uid, nobody.pw_gid)
    except KeyError:
        ids = (65534, 65534)
    return ["unshare", "--user", f"--map-user={ids[0]}", f"--map-group={ids[1]}"]


class PostgresCluster:
    """One private cluster in `folder`; `start()` makes it on first use (a folder that holds one already is
    started as it is, its data and password kept), `stop()` ends its server by pid.

    `max_connections` is the server's: a low one makes the mediator's database refuse connections under
    load, as a production database at its limit does.
    """

    def __init__(
        self,
        folder: Path,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        *,
        detached: bool = False,
        progress: Progress | None = None,
    ):
        check_max_connections(max_connections)
        self.folder = folder
        self.max_connections = max_connections
        self.detached = detached
        self.progress = progress or quiet
        self.port: int | None = None
        self.pid: int | None = None
        self.pid_start_ticks: int | None = None
        # Where this start's lines begin in `postgres.log`: a kept cluster's log holds its earlier runs' too.
        self.log_offset = 0
        self._group: ProcessGroup | None = None

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def password_file(self) -> Path:
        return self.folder / "password"

    @property
    def log_path(self) -> Path:
        return self.folder / "postgres.log"

    @property
    def login(self) -> DatabaseLogin:
        if self.port is None:
            raise PostgresError("the cluster is not started")
        return DatabaseLogin(HOST, self.port, ACCOUNT, self.password_file)

    # -- lifecycle -------------------------------------------------------

    def start(self) -> PostgresCluster:
        if self.pid is not None:
            raise PostgresError("this cluster is already started")
        made = self._check_made()
        binaries = postgres_binaries.ensure(self.progress)
        prefix = unprivileged_prefix()
        if made:
            self.progress(f"using the PostgreSQL cluster kept in {self.folder}")
        else:
            self._init(binaries, prefix)
        self.port = free_loopback_ports(1)[0]
        self.log_offset = _size(self.log_path)
        argv = [
            *prefix,
            binaries.program("postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-c",
            f"listen_addresses={HOST}",
            "-c",
            "unix_socket_directories=",
            "-c",
            f"max_connections={self.max_connections}",
            # The mediator's account is the cluster's superuser: no slots held back from it, so
            # max_connections is all it gets.
            "-c",
            "superuser_reserved_connections=0",
        ]
        self._group = group = process.spawn(
            "postgres", argv, allowlisted_environment(()), self.folder, self.log_path, self.detached
        )
        self.pid = group.pgid
        self.pid_start_ticks = process.start_ticks(self.pid)
        try:
            process.wait_ready(self._ready, group.alive, READY_TIMEOUT_S, self.log_path, "PostgreSQL")
        except BaseException:
            self.stop()
            raise
        self.progress(
            f"PostgreSQL on {HOST}:{self.port} (cluster {self.folder}, max_connections {self.max_connections})"
        )
        return self

    def _check_made(self) -> bool:
        """Whether `folder` holds a cluster made before (started again as it is, on a fresh port: the port is
        in no wallet, only in the mediator's storage settings); PostgresError when its password file is gone."""
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        try:
            # Narrowed, not rewritten: the password is the one initdb gave the account.
            os.chmod(self.password_file, 0o600)
        except OSError as err:
            raise PostgresError(
                f"the PostgreSQL cluster in {self.folder} has lost its password file {self.password_file} "
                f"({err.strerror}): its database cannot be reached; remove the folder to make a new one"
            ) from None
        return True

    def _init(self, binaries: postgres_binaries.PostgresBinaries, prefix: list[str]) -> None:
        self.progress(f"making a PostgreSQL cluster in {self.folder}")
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24) + "\n")
        shutil.rmtree(self.data_dir, ignore_errors=True)  # what an interrupted initdb left
        argv = [
            *prefix,
            binaries.program("initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            ACCOUNT,
            "--auth=scram-sha-256",
            f"--pwfile={self.password_file}",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-instructions",
        ]
        try:
            done = subprocess.run(
                argv,
                env=allowlisted_environment(()),
                capture_output=True,
                text=True,
                timeout=INITDB_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise PostgresError(f"initdb could not make the cluster in {self.data_dir}: {err}") from None
        if done.returncode != 0:
            raise PostgresError(f"initdb failed in {self.data_dir}:\n{(done.stdout + done.stderr)[-2000:]}")

    def _ready(self) -> bool:
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return (
            len(lines) > _PM_STATUS_LINE
            and lines[0].strip() == str(self.pid)
            and lines[_PM_STATUS_LINE].strip() == "ready"
        )

    @property
    def running(self) -> bool:
        return process.group_running(self.pid, self.pid_start_ticks)

    def stop(self) -> None:
        """A fast shutdown of the server (SIGINT: sessions ended, a checkpoint), then TERM and KILL of
        whatever of its process group is left. Its files stay: `remove()` deletes them."""
        if self.pid is None:
            return
        if process.owns_group(self.pid, self.pid_start_ticks):
            try:
                os.kill(self.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + STOP_GRACE_S
            while group_members(self.pid) and time.monotonic() < deadline:
                if self._group is not None:
                    self._group.reap()
                time.sleep(0.05)
            try:
                (self._group or process.adopt_group(self.pid)).stop()
            except ProcessError as err:
                raise PostgresError(str(err)) from None
        self.pid = None
        self._group = None

    def refusals_note(self) -> str:
        """What its log says of connections it refused, "" when none were."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_offset)
                refused = count_refusals(log.read().splitlines())
        except OSError:
            return ""
        return refusals_text(refused, self.max_connections) if refused else ""

    def remove(self) -> None:
        """Delete the cluster's folder (its data and password); stop it first."""
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- handing over between processes (the CLI's `up` and `down`) -------

    def to_state(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "port": self.port,
            "pid": self.pid,
            "pid_start_ticks": self.pid_start_ticks,
            "max_connections": self.max_connections,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PostgresCluster:
        cluster = cls(Path(state["folder"]), int(state["max_connections"]))
        cluster.port = state.get("port")
        cluster.pid = state.get("pid")
        cluster.pid_start_ticks = state.get("pid_start_ticks")
        return cluster
