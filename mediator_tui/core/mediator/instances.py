"""More ACA-Py instances of one embedded mediator (MEDIATOR_INSTANCES), as an operator scales a mediator out:
the same wallet in its PostgreSQL cluster, ports of their own, its one proxy in front of all of them.

The first instance is `LocalMediator`'s own process; each further one is an `Instance`, started once the first is
ready (the first creates the wallet's database: two at once would race to create it) and ended with it. Each
keeps its in-memory state to itself: ACA-Py's undelivered-message queue and its websocket sessions are per
process (docs/reliability.md, "Two instances").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mediator_tui.common.child_env import allowlisted_environment
from mediator_tui.common.open_files import raise_open_file_limit
from mediator_tui.core.mediator import process
from mediator_tui.core.mediator.cpu_limit import limit_process, remove_cgroup
from mediator_tui.core.mediator.errors import MediatorError
from mediator_tui.core.mediator.flavour import Endpoints, MediatorFlavour
from mediator_tui.core.mediator.postgres import POSTGRES
from mediator_tui.core.mediator.process import HOST, Ports
from mediator_tui.core.mediator.proxy import NGINX, ProxySetting
from mediator_tui.core.processes import ProcessGroup

MAX_INSTANCES = 2
# The kernel hands out free ports at random: a pick that meets a taken one is tried again, this many times at most.
PICK_ATTEMPTS = 20


def check_instances(instances: int, flavour: MediatorFlavour, storage: str, proxy: ProxySetting) -> None:
    """MediatorError naming what is missing when `instances` cannot run: more than one needs an ACA-Py flavour,
    a shared wallet in PostgreSQL and a proxy to share the load."""
    if instances == 1:
        return
    if not 1 <= instances <= MAX_INSTANCES:
        raise MediatorError(f"the embedded mediator runs 1 to {MAX_INSTANCES} instances, not {instances}")
    lacking = []
    if not flavour.postgres_capable:
        lacking.append(f"an ACA-Py flavour (not {flavour.name})")
    if storage != POSTGRES:
        lacking.append("MEDIATOR_STORAGE=postgres (the wallet they share)")
    if proxy.kind != NGINX:
        lacking.append("MEDIATOR_PROXY=nginx (in front of them)")
    if lacking:
        raise MediatorError(f"{instances} mediator instances need " + ", ".join(lacking))


def spawn_mediator(
    flavour: MediatorFlavour,
    ports: Ports,
    run_dir: Path,
    endpoints: Endpoints,
    log_path: Path,
    detached: bool,
    flags: tuple[str, ...] = (),
) -> ProcessGroup:
    """One mediator process of `flavour` on `ports`, its data in `run_dir`, in a process group of its own, with the
    user's own `flags` (MEDIATOR_ARGS) after the tool's."""
    spec = flavour.launch_spec(ports, run_dir, endpoints)
    spec.argv = flavour.with_flags(spec.argv, flags)
    env = allowlisted_environment(spec.passed, spec.env)
    # The mediator holds the other end of every agent's connection: at the usual soft limit
    # of 1024 open files it runs out of descriptors near 1000 agents. Children inherit the limit.
    raise_open_file_limit()
    return process.spawn("mediator", spec.argv, env, run_dir, log_path, detached)


def pick_more_ports(
    count: int, taken: Ports, pick: Callable[[], Ports] = process.pick_ports, attempts: int = PICK_ATTEMPTS
) -> list[Ports]:
    """Free loopback ports for `count` more instances, none of them one of `taken`'s or of each other's;
    MediatorError when `attempts` picks found none that clear."""
    chosen: list[Ports] = []
    used = set(taken.as_dict().values())
    for _ in range(attempts):
        if len(chosen) == count:
            break
        ports = pick()
        if used.isdisjoint(ports.as_dict().values()):
            chosen.append(ports)
            used.update(ports.as_dict().values())
    if len(chosen) < count:
        raise MediatorError(f"no free loopback ports for {count} more mediator instances after {attempts} tries")
    return chosen


class Instance:
    """A further mediator process (number 2, ...) on `ports`, its log and ACA-Py home in `folder`."""

    def __init__(self, number: int, ports: Ports, folder: Path):
        self.number = number
        self.ports = ports
        self.folder = folder
        self.pgid: int | None = None
        self.pid_start_ticks: int | None = None
        self.cgroup: Path | None = None
        self._group: ProcessGroup | None = None

    @property
    def name(self) -> str:
        return f"mediator instance {self.number}"

    @property
    def admin_url(self) -> str:
        return f"http://{HOST}:{self.ports.admin}"

    @property
    def log_path(self) -> Path:
        return self.folder / "mediator.log"

    def start(
        self,
        flavour: MediatorFlavour,
        endpoints: Endpoints,
        detached: bool,
        ready_timeout: float,
        cpu_limit: float | None,
        flags: tuple[str, ...] = (),
    ) -> None:
        """Start it and wait until its admin API says it is ready; ended again when it is not."""
        self.folder.mkdir(parents=True, exist_ok=True)
        group = spawn_mediator(flavour, self.ports, self.folder, endpoints, self.log_path, detached, flags)
        self._group = group
        self.pgid = group.pgid
        self.pid_start_ticks = process.start_ticks(self.pgid)
        try:
            if cpu_limit is not None:
                # Each instance under a limit of its own, as each pod of a deployment has.
                pid = group.children[-1].popen.pid
                self.cgroup = limit_process(pid, cpu_limit, f"{flavour.name}-{pid}")
            process.wait_ready(
                flavour.admin(self.admin_url).ready, group.alive, ready_timeout, self.log_path, self.name
            )
        except BaseException:
            self.stop()
            raise

    @property
    def running(self) -> bool:
        return process.group_running(self.pgid, self.pid_start_ticks)

    def stop(self) -> None:
        """End its process group (TERM, then KILL) and remove its cgroup; safe to call twice."""
        if self.pgid is not None:
            process.end_group(self._group, self.pgid, self.pid_start_ticks, self.name)
            self.pgid = None
            self._group = None
        if self.cgroup is not None:
            remove_cgroup(self.cgroup)
            self.cgroup = None

    def to_state(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "ports": self.ports.as_dict(),
            "folder": str(self.folder),
            "pgid": self.pgid,
            "pid_start_ticks": self.pid_start_ticks,
            "cgroup": str(self.cgroup) if self.cgroup else None,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Instance:
        instance = cls(state["number"], Ports(**state["ports"]), Path(state["folder"]))
        instance.pgid = state.get("pgid")
        instance.pid_start_ticks = state.get("pid_start_ticks")
        instance.cgroup = Path(state["cgroup"]) if state.get("cgroup") else None
        return instance
