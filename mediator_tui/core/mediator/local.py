"""`LocalMediator`: one mediator process on loopback, from provisioning to a clean stop."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from mediator_tui.common.app_dirs import state_dir
from mediator_tui.common.cached_install import Progress
from mediator_tui.core.mediator import flavours, process
from mediator_tui.core.mediator.cpu_limit import limit_process, remove_cgroup
from mediator_tui.core.mediator.errors import MediatorError, attempt_all
from mediator_tui.core.mediator.flavour import (
    OOB,
    Endpoints,
    MediatorAdmin,
    MediatorCounts,
    MediatorFlavour,
    direct_endpoints,
)
from mediator_tui.core.mediator.instances import Instance, check_instances, pick_more_ports, spawn_mediator
from mediator_tui.core.mediator.postgres import (
    DEFAULT_MAX_CONNECTIONS,
    POSTGRES,
    SQLITE,
    STORAGES,
    PostgresCluster,
    check_max_connections,
    clusters_dir,
)
from mediator_tui.core.mediator.process import HOST, Ports
from mediator_tui.core.mediator.proxy import ProxySetting, ReverseProxy
from mediator_tui.core.mediator.rotator import InvitationRotator
from mediator_tui.core.processes import ProcessGroup, free_loopback_ports

READY_TIMEOUT_S = 120.0
WARM_UP_TIMEOUT_S = 60.0
PORT_RELEASE_S = 5.0


# A local run hands the embedded mediator's state to its workers under this name, so each
# worker can ask it for fresh invitations (a multi-use invitation slows down with every
# connection made on it).
EMBEDDED_MEDIATOR_ENV = "MEDIATOR_TUI_EMBEDDED_MEDIATOR"


class LocalMediator:
    """A mediator of one flavour on free (or given) loopback ports.

    `start()` provisions the runtime if needed, starts the process in its own process group, waits for readiness
    and does the warm-up mediation; `stop()` ends the whole group. As a context manager it starts and stops itself.

    `cpu_limit` (cores, e.g. 0.8 as a pod's 800m) runs it in a cgroup of its own under the kernel's
    CPU controller (`cpu_limit.limit_process`), removed when it stops; `cgroup` is that cgroup's folder.
    `flags` (MEDIATOR_ARGS, checked to hold no secret) go on its command line (`MediatorFlavour.with_flags`).
    `cluster_dir` (storage postgres): where its PostgreSQL cluster is kept, made there on first use, started
    again as it is after and never removed; None: a folder of its own under the cache, removed at stop.

    `proxy` (a `ProxySetting` of kind nginx) puts the tool's own reverse proxy in front (`.proxy`, a
    `ReverseProxy`): the mediator advertises the proxy's address, so agents go through it, while the admin
    API stays direct. The proxy lives as long as the mediator, across `restart()`.

    `instances` 2 (ACA-Py on PostgreSQL behind nginx only) runs a second process on ports of its own
    (`.more`, core/mediator/instances.py) with the same wallet, the proxy sending agents to each in turn; `pid`,
    `admin_url` and `log_path` stay the first's; `restart()` and `stop()` act on both.

    By default the mediator dies with this process (parent-death signal), as a run's or a test session's mediator
    should; `detached=True` lets it outlive this process (the CLI's `up`), to be stopped by `from_state(...).stop()`.
    """

    def __init__(
        self,
        flavour: str | MediatorFlavour | None = None,
        *,
        http_port: int | None = None,
        ws_port: int | None = None,
        admin_port: int | None = None,
        run_dir: Path | None = None,
        progress: Progress | None = None,
        ready_timeout: float = READY_TIMEOUT_S,
        detached: bool = False,
        cpu_limit: float | None = None,
        flags: tuple[str, ...] = (),
        proxy: ProxySetting | None = None,
        storage: str = SQLITE,
        postgres_max_connections: int = DEFAULT_MAX_CONNECTIONS,
        instances: int = 1,
        cluster_dir: Path | None = None,
    ):
        self.flavour = flavour if isinstance(flavour, MediatorFlavour) else flavours.pick(flavour)
        self._forced_ports = (http_port, ws_port, admin_port)
        self._given_run_dir = run_dir
        self.run_dir: Path | None = run_dir
        self.progress = progress
        self.ready_timeout = ready_timeout
        self.detached = detached
        self.cpu_limit = cpu_limit
        self.flags = flags
        self.cgroup: Path | None = None
        self.proxy_setting = proxy or ProxySetting()
        self.proxy: ReverseProxy | None = None
        if storage not in STORAGES:
            raise MediatorError(f"unknown wallet storage {storage!r} (known: {', '.join(STORAGES)})")
        if storage == POSTGRES and not self.flavour.postgres_capable:
            raise MediatorError(
                f"the {self.flavour.name} mediator cannot keep its wallet in PostgreSQL (the ACA-Py flavours can)"
            )
        if storage == POSTGRES:
            check_max_connections(postgres_max_connections)
        check_instances(instances, self.flavour, storage, self.proxy_setting)
        self.instances = instances
        self.more: list[Instance] = []
        self.storage = storage
        self.postgres_max_connections = postgres_max_connections
        self.cluster: PostgresCluster | None = None
        self.cluster_dir = cluster_dir
        self.ports: Ports | None = None
        self.runtime_label = ""
        self.invitation_url = ""
        self.pgid: int | None = None
        self.pid: int | None = None
        self.pid_start_ticks: int | None = None
        self._group: ProcessGroup | None = None
        self._admin: MediatorAdmin | None = None

    # -- lifecycle -------------------------------------------------------

    def start(self) -> LocalMediator:
        if self.pgid is not None:
            raise MediatorError("this mediator is already started")
        self.runtime_label = self.flavour.provision(self.progress)
        self.ports = process.pick_ports(*self._forced_ports)
        run_dir = self._need_run_dir()
        more_ports = pick_more_ports(self.instances - 1, self.ports)
        self.more = [Instance(n, ports, run_dir / f"instance-{n}") for n, ports in enumerate(more_ports, start=2)]
        try:
            if self.proxy_setting.wanted:
                self._start_proxy([self.ports, *more_ports])
            if self.storage == POSTGRES:
                self._start_cluster()
            group = self._launch()
            started = time.monotonic()
            process.wait_ready(
                self.admin.ready, group.alive, self.ready_timeout, self.log_path, f"mediator {self.flavour.name}"
            )
            self._say(f"ready after {time.monotonic() - started:.1f}s; warm-up mediation")
            self.admin.warm_up(WARM_UP_TIMEOUT_S)
            self.invitation_url = self.admin.create_invitation(OOB)
            self._start_more()
        except MediatorError as err:
            # A database at its connection limit makes ACA-Py time out, naming no cause: its server does.
            refused = self.cluster.refusals_note() if self.cluster else ""
            self.stop()
            if refused:
                raise MediatorError(f"{err}\n{refused}") from None
            raise
        except BaseException:
            self.stop()
            raise
        return self

    def _start_cluster(self) -> None:
        if self.cluster_dir is None:
            clusters_dir().mkdir(parents=True, exist_ok=True)
        folder = self.cluster_dir or Path(tempfile.mkdtemp(prefix=f"{self.flavour.name}-", dir=clusters_dir()))
        self.cluster = PostgresCluster(
            folder, self.postgres_max_connections, detached=self.detached, progress=self.progress
        )
        self.cluster.start()
        self.flavour.use_database(self.cluster.login)

    def _need_run_dir(self) -> Path:
        if self.run_dir is None:
            runs = state_dir() / "runs"
            runs.mkdir(parents=True, exist_ok=True)
            self.run_dir = Path(tempfile.mkdtemp(prefix=f"{self.flavour.name}-", dir=runs))
        return self.run_dir

    def _start_proxy(self, upstreams: list[Ports]) -> None:
        taken = {port for ports in upstreams for port in ports.as_dict().values()}
        port = next(p for p in free_loopback_ports(16) if p not in taken)
        self.proxy = ReverseProxy(self.proxy_setting, self._need_run_dir() / "proxy", port)
        self.proxy.start(upstreams, self.progress, detached=self.detached)

    def _start_more(self) -> None:
        """The further instances, once the first is ready: it made the wallet they share."""
        for instance in self.more:
            self._say(f"starting {instance.name}, admin {instance.admin_url}")
            instance.start(self.flavour, self.endpoints, self.detached, self.ready_timeout, self.cpu_limit, self.flags)

    def _launch(self) -> ProcessGroup:
        run_dir = self._need_run_dir()
        flags = f", its own flags {' '.join(self.flags)}" if self.flags else ""
        self._say(f"starting {self.flavour.name} ({self.runtime_label}), admin {self.admin_url}{flags}")
        group = spawn_mediator(
            self.flavour, self._need_ports(), run_dir, self.endpoints, self.log_path, self.detached, self.flags
        )
        self._group = group
        self.pid = self.pgid = group.pgid
        self.pid_start_ticks = process.start_ticks(self.pid)
        self._admin = self.flavour.admin(self.admin_url)
        if self.cpu_limit is not None:
            # Moved in before it is ready: its start-up and warm-up run under the limit, as in a pod.
            mediator_pid = group.children[-1].popen.pid
            self.cgroup = limit_process(mediator_pid, self.cpu_limit, f"{self.flavour.name}-{mediator_pid}")
            self._say(f"limited to {self.cpu_limit:g} cores (cgroup {self.cgroup})")
        return group

    def restart(self) -> LocalMediator:
        """Start it again on the same ports with the same wallet, e.g. after it crashed.

        Its clients keep their connections and mediation (they only reconnect), and the
        invitation URL stays valid. A mediator still running is ended first; its proxy keeps running.
        With two instances both are ended and started again, the first first.
        """
        if self.ports is None or self.run_dir is None:
            raise MediatorError("this mediator was never started: call start()")
        self._end_group()
        # A process just killed lets go of its listening sockets a moment after it leaves the process table.
        deadline = time.monotonic() + PORT_RELEASE_S
        for name, port in [*self.ports.as_dict().items(), *(p for i in self.more for p in i.ports.as_dict().items())]:
            while process.port_in_use(port):
                if time.monotonic() > deadline:
                    raise MediatorError(f"cannot restart: port {HOST}:{port} ({name}) is taken by another process")
                time.sleep(0.1)
        try:
            group = self._launch()
            process.wait_ready(
                self.admin.ready, group.alive, self.ready_timeout, self.log_path, f"mediator {self.flavour.name}"
            )
            self._start_more()
        except BaseException:
            self._end_group()
            raise
        self._say("restarted on the same ports and wallet")
        return self

    def stop(self) -> None:
        """End its process groups (TERM, then KILL), its proxy's, its PostgreSQL cluster (and its folder unless kept:
        `cluster_dir`), each even when one before failed; then remove a run directory this object made."""
        attempt_all(self._end_group, self._stop_proxy, self._stop_cluster)
        if self._given_run_dir is None and self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None

    def _stop_proxy(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None

    def _stop_cluster(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()
            if self.cluster_dir is None:
                self.cluster.remove()
            self.cluster = None

    def _end_group(self) -> None:
        attempt_all(*(instance.stop for instance in self.more), self._end_first)

    def _end_first(self) -> None:
        if self.pgid is not None:
            process.end_group(self._group, self.pgid, self.pid_start_ticks, f"mediator {self.flavour.name}")
            self.pgid = None
            self._group = None
        if self.cgroup is not None:
            remove_cgroup(self.cgroup)
            self.cgroup = None

    def __enter__(self) -> LocalMediator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return process.group_running(self.pgid, self.pid_start_ticks)

    # -- addresses -------------------------------------------------------

    @property
    def admin_url(self) -> str:
        return f"http://{HOST}:{self._need_ports().admin}"

    @property
    def endpoints(self) -> Endpoints:
        """What it advertises: its proxy's address when it has one, else its own ports."""
        if self.proxy is not None:
            return Endpoints(self.proxy.http_url, self.proxy.ws_url)
        return direct_endpoints(self._need_ports())

    @property
    def http_url(self) -> str:
        """Where agents post to it (through its proxy when it has one)."""
        return self.proxy.http_url if self.proxy is not None else f"http://{HOST}:{self._need_ports().http}"

    @property
    def ws_url(self) -> str:
        """Where agents open their websocket to it (through its proxy when it has one)."""
        return self.proxy.ws_url if self.proxy is not None else f"ws://{HOST}:{self._need_ports().ws}"

    def describe(self) -> str:
        """Its address as status lines and exports name it: the proxy in front, when there is one."""
        if self.proxy is None:
            return self.http_url
        behind = f"{len(self.more) + 1} instances of {self.flavour.name}" if self.more else self.flavour.name
        return f"{self.http_url} ({self.proxy_setting.describe()}, in front of {behind})"

    @property
    def metrics_url(self) -> str | None:
        """Its Prometheus endpoint, when its flavour serves one (the credo flavour does)."""
        return self.admin.metrics_url

    @property
    def log_path(self) -> Path:
        if self.run_dir is None:
            raise MediatorError("no run directory: the mediator is not started")
        return self.run_dir / "mediator.log"

    # -- admin -----------------------------------------------------------

    @property
    def admin(self) -> MediatorAdmin:
        if self._admin is None:
            raise MediatorError("the mediator is not started")
        return self._admin

    def create_invitation(self, kind: str = OOB) -> str:
        return self.admin.create_invitation(kind)

    def rotator(self, every: int, kind: str = OOB) -> InvitationRotator:
        """A fresh multi-use invitation of `kind` every `every` onboardings."""
        self.admin.check_kind(kind)
        return InvitationRotator(lambda: self.admin.create_invitation(kind), every)

    def counts(self) -> MediatorCounts:
        return self.admin.counts()

    # -- detached use (CLI) ----------------------------------------------

    def to_state(self) -> dict[str, Any]:
        return {
            "flavour": self.flavour.name,
            "runtime": self.runtime_label,
            "pid": self.pid,
            "pgid": self.pgid,
            "pid_start_ticks": self.pid_start_ticks,
            "ports": self._need_ports().as_dict(),
            "run_dir": str(self.run_dir),
            "log": str(self.log_path),
            "admin_url": self.admin_url,
            "metrics_url": self.metrics_url,
            "invitation_url": self.invitation_url,
            "cpu_limit": self.cpu_limit,
            "flags": list(self.flags),
            "cgroup": str(self.cgroup) if self.cgroup else None,
            "proxy": self.proxy.to_state() if self.proxy is not None else None,
            "storage": self.storage,
            "postgres": self.cluster.to_state() if self.cluster else None,
            "cluster_dir": str(self.cluster_dir) if self.cluster_dir else None,
            "more_instances": [instance.to_state() for instance in self.more],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LocalMediator:
        """A handle on a mediator started by another process (no provisioning, no start)."""
        mediator = cls(state["flavour"], run_dir=Path(state["run_dir"]), storage=state.get("storage", SQLITE))
        mediator._given_run_dir = None  # stop() removes it, as the starting process would
        mediator.ports = Ports(**state["ports"])
        mediator.runtime_label = state.get("runtime", "")
        mediator.pid, mediator.pgid = state["pid"], state["pgid"]
        mediator.pid_start_ticks = state.get("pid_start_ticks")
        mediator.invitation_url = state.get("invitation_url", "")
        mediator.cpu_limit = state.get("cpu_limit")
        mediator.flags = tuple(state.get("flags", ()))
        mediator.cgroup = Path(state["cgroup"]) if state.get("cgroup") else None
        if state.get("proxy"):
            mediator.proxy = ReverseProxy.from_state(state["proxy"])
            mediator.proxy_setting = mediator.proxy.setting
        if state.get("postgres"):
            mediator.cluster = PostgresCluster.from_state(state["postgres"])
            mediator.postgres_max_connections = mediator.cluster.max_connections
        mediator.cluster_dir = Path(state["cluster_dir"]) if state.get("cluster_dir") else None
        mediator.more = [Instance.from_state(instance) for instance in state.get("more_instances", [])]
        mediator.instances = 1 + len(mediator.more)
        mediator._admin = mediator.flavour.admin(mediator.admin_url)
        return mediator

    def _need_ports(self) -> Ports:
        if self.ports is None:
            raise MediatorError("no ports yet: the mediator is not started")
        return self.ports

    def _say(self, line: str) -> None:
        if self.progress:
            self.progress(line)
