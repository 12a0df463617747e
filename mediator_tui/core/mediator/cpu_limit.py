"""A CPU limit for the embedded mediator in cores, as a Kubernetes pod's (`0.8` = `800m`), and its throttling.

The kernel's CPU controller enforces it, as it does a pod's limit: cgroup v2 `cpu.max` or cgroup v1
`cpu.cfs_quota_us` / `cpu.cfs_period_us`, whichever hierarchy holds the cpu controller on this host
(https://docs.kernel.org/admin-guide/cgroup-v2.html#cpu-interface-files,
https://docs.kernel.org/scheduler/sched-bwc.html). The mediator runs in a cgroup of its own, made under the
tool's folder `mediator-tui/` below this process's cgroup or, where that cannot take children, below the
hierarchy's root; the cgroup is removed when the mediator stops.

Where neither hierarchy can be written (not root, a read-only /sys/fs/cgroup) the limit is an error: a run
that silently went without it would measure another mediator than the one asked for.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mediator_tui.core.mediator.errors import MediatorError

# The kernel's default period (100 ms), the one Kubernetes uses: a limit of 0.2 core lets the mediator run
# 20 ms of every 100 ms.
PERIOD_US = 100_000
# The kernel refuses a quota below 1 ms.
MIN_QUOTA_US = 1_000
MIN_CORES = MIN_QUOTA_US / PERIOD_US
TOOL_FOLDER = "mediator-tui"
# A cgroup whose last process has just been reaped can refuse its removal for a moment (EBUSY).
REMOVE_WAIT_S = 3.0


class CpuLimitError(MediatorError):
    """The CPU limit could not be applied or its cgroup removed; the message says why and what to do."""


@dataclass(frozen=True)
class CgroupPaths:
    """Where the kernel shows mounts and process cgroups; tests point these into a fake tree."""

    mounts: Path = Path("/proc/self/mounts")
    proc: Path = Path("/proc")


HOST = CgroupPaths()


@dataclass(frozen=True)
class CpuController:
    version: int  # 1 or 2
    mount: Path


@dataclass(frozen=True)
class Throttling:
    """A cgroup's `cpu.stat` counters since it was made: CFS periods run, those throttled, and for how long;
    and the limit it holds, in cores (None: no quota, or unreadable)."""

    periods: int
    throttled_periods: int
    throttled_s: float
    limit_cores: float | None = None


def quota_us(cores: float) -> int:
    if not cores >= MIN_CORES:
        raise CpuLimitError(f"a CPU limit of {cores:g} cores is below the kernel's least ({MIN_CORES:g})")
    return round(cores * PERIOD_US)


def find_controller(paths: CgroupPaths = HOST) -> CpuController | None:
    """The hierarchy that holds the cpu controller: a v1 `cpu` mount, else a v2 mount that lists `cpu`."""
    try:
        lines = paths.mounts.read_text().splitlines()
    except OSError:
        return None
    v2 = None
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        mount = Path(fields[1].replace("\\040", " "))
        if fields[2] == "cgroup" and "cpu" in fields[3].split(","):
            return CpuController(1, mount)
        if fields[2] == "cgroup2" and v2 is None and "cpu" in _words(mount / "cgroup.controllers"):
            v2 = CpuController(2, mount)
    return v2


def cgroup_of(pid: int | str, controller: CpuController, paths: CgroupPaths = HOST) -> Path | None:
    """The folder of `pid`'s cgroup in the controller's hierarchy (`pid` may be "self")."""
    try:
        lines = (paths.proc / str(pid) / "cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        ours = (number == "0" and controllers == "") if controller.version == 2 else "cpu" in controllers.split(",")
        if ours:
            return controller.mount / path.lstrip("/")
    return None


def limit_process(pid: int, cores: float, name: str, paths: CgroupPaths = HOST) -> Path:
    """Put `pid` (all its threads) in a new cgroup `name` limited to `cores`; the cgroup's folder.

    CpuLimitError, naming each place tried and why it failed, when no place takes it.
    """
    quota = quota_us(cores)
    controller = find_controller(paths)
    if controller is None:
        raise CpuLimitError(
            f"cannot limit the mediator to {cores:g} cores: this host mounts no cgroup CPU "
            f"controller (cgroup v1 `cpu` or cgroup v2 listing `cpu`); leave MEDIATOR_CPU_LIMIT "
            f"empty to run without a limit"
        )
    parents = [p for p in (cgroup_of("self", controller, paths), controller.mount) if p is not None]
    failures = []
    for parent in dict.fromkeys(parents):
        group = parent / TOOL_FOLDER / name
        try:
            _make(group, controller)
            _write_limit(group, controller.version, quota)
            (group / "cgroup.procs").write_text(f"{pid}\n")
            return group
        except OSError as err:
            failures.append(f"{parent}: {err.strerror or err}")
            _remove_quietly(group)
            _remove_quietly(group.parent)
    raise CpuLimitError(
        f"cannot limit the mediator to {cores:g} cores with cgroup v{controller.version} "
        f"({'; '.join(failures)}); run the tool as root or with a delegated cgroup, or leave "
        f"MEDIATOR_CPU_LIMIT empty to run without a limit"
    )


def remove_cgroup(group: Path, remove_dir: Callable[[Path], None] = os.rmdir) -> None:
    """Remove a cgroup `limit_process` made, once its processes are gone, and the tool's folder if now empty."""
    deadline = time.monotonic() + REMOVE_WAIT_S
    while True:
        try:
            remove_dir(group)
            break
        except FileNotFoundError:
            break
        except OSError as err:
            if err.errno != errno.EBUSY or time.monotonic() > deadline:
                raise CpuLimitError(f"cannot remove the mediator's cgroup {group}: {err.strerror or err}") from None
            time.sleep(0.05)
    # Another run may hold a cgroup in it: then it stays, for that run to remove.
    _remove_quietly(group.parent, remove_dir)


def read_throttling(pid: int, paths: CgroupPaths = HOST) -> Throttling | None:
    """The throttling of `pid`'s cgroup (a limited embedded mediator, a container); None where unreadable."""
    controller = find_controller(paths)
    group = cgroup_of(pid, controller, paths) if controller else None
    if group is None:
        return None
    try:
        stat = dict(line.split(None, 1) for line in (group / "cpu.stat").read_text().splitlines() if " " in line)
        # v2 counts throttled time in µs, v1 in ns.
        throttled_s = (
            int(stat["throttled_usec"]) / 1e6 if "throttled_usec" in stat else int(stat["throttled_time"]) / 1e9
        )
        return Throttling(int(stat["nr_periods"]), int(stat["nr_throttled"]), throttled_s, _read_limit(group))
    except (OSError, KeyError, ValueError):
        return None


def _read_limit(group: Path) -> float | None:
    """The cores `group`'s quota allows: v2 `cpu.max` ("QUOTA PERIOD", "max" for none) or v1's quota and period
    (-1 for none)."""
    try:
        if (group / "cpu.max").exists():
            quota, period = (group / "cpu.max").read_text().split()[:2]
        else:
            quota, period = ((group / name).read_text().strip() for name in ("cpu.cfs_quota_us", "cpu.cfs_period_us"))
        if quota in ("max", "-1"):
            return None
        return int(quota) / int(period) if int(quota) > 0 and int(period) > 0 else None
    except (OSError, ValueError):
        return None


def _make(group: Path, controller: CpuController) -> None:
    if controller.version == 2:
        # The cpu files of a v2 cgroup exist only where its parent enables the controller for its children.
        _enable_cpu(group.parent.parent)
        group.parent.mkdir(exist_ok=True)
        _enable_cpu(group.parent)
    else:
        group.parent.mkdir(exist_ok=True)
    group.mkdir(exist_ok=True)


def _enable_cpu(cgroup: Path) -> None:
    if "cpu" not in _words(cgroup / "cgroup.subtree_control"):
        (cgroup / "cgroup.subtree_control").write_text("+cpu\n")


def _write_limit(group: Path, version: int, quota: int) -> None:
    if version == 2:
        (group / "cpu.max").write_text(f"{quota} {PERIOD_US}\n")
    else:
        (group / "cpu.cfs_period_us").write_text(f"{PERIOD_US}\n")
        (group / "cpu.cfs_quota_us").write_text(f"{quota}\n")


def _remove_quietly(folder: Path, remove_dir: Callable[[Path], None] = os.rmdir) -> None:
    try:
        remove_dir(folder)
    except OSError:
        pass


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []
