"""A fake host's cgroup tree in a test's folder: its mounts, this process's cgroup, a v1 or v2 CPU hierarchy."""

from __future__ import annotations

from pathlib import Path

from mediator_tui.core.mediator.cpu_limit import CgroupPaths, find_controller


def fake_host(tmp_path: Path, mounts: str, self_cgroup: str) -> CgroupPaths:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(self_cgroup)
    (proc / "mounts").write_text(mounts.format(root=tmp_path))
    return CgroupPaths(mounts=proc / "mounts", proc=proc)


def v2_host(tmp_path: Path, own: str = "user.slice/session-1.scope") -> CgroupPaths:
    root = tmp_path / "cg2"
    (root / own).mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text("memory pids\n")
    return fake_host(tmp_path, "proc /proc proc rw 0 0\ncgroup2 {root}/cg2 cgroup2 rw,nosuid 0 0\n", f"0::/{own}\n")


def v1_host(tmp_path: Path) -> CgroupPaths:
    (tmp_path / "cpu,cpuacct" / "docker" / "abc").mkdir(parents=True)
    (tmp_path / "memory").mkdir()
    return fake_host(
        tmp_path,
        "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
        "cgroup {root}/memory cgroup rw,memory 0 0\n"
        "cgroup {root}/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n"
        "cgroup2 {root}/unified cgroup2 rw 0 0\n",
        "4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n0::/\n",
    )


def place(paths: CgroupPaths, pid: int, group: Path) -> None:
    """Show `pid` as a member of `group` in the fake tree (the kernel's /proc/PID/cgroup)."""
    controller = find_controller(paths)
    assert controller is not None
    line = "0::/{}\n" if controller.version == 2 else "1:cpu,cpuacct:/{}\n"
    (paths.proc / str(pid)).mkdir(exist_ok=True)
    (paths.proc / str(pid) / "cgroup").write_text(line.format(group.relative_to(controller.mount)))


def write_stat(group: Path, periods: int, throttled_periods: int, throttled_s: float) -> None:
    """The group's cpu.stat as the kernel writes it (v2 in µs, v1 in ns)."""
    if (group / "cpu.max").exists():
        text = f"usage_usec 1\nnr_periods {periods}\nnr_throttled {throttled_periods}\n"
        text += f"throttled_usec {round(throttled_s * 1e6)}\n"
    else:
        text = f"nr_periods {periods}\nnr_throttled {throttled_periods}\nthrottled_time {round(throttled_s * 1e9)}\n"
    (group / "cpu.stat").write_text(text)
