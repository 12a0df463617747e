"""The CPU limit against a fake cgroup tree in tmp_path: which files it writes, where, and what it refuses."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from mediator_tui.core.mediator.cpu_limit import (
    CpuLimitError,
    Throttling,
    find_controller,
    limit_process,
    read_throttling,
    remove_cgroup,
)
from tests.support.fake_cgroups import fake_host, place, v1_host, v2_host, write_stat

PID = 4242


def test_v2_makes_a_cgroup_under_its_own_with_cpu_max_and_the_pid(tmp_path):
    paths = v2_host(tmp_path)
    group = limit_process(PID, 0.8, "acapy-1", paths)
    own = tmp_path / "cg2" / "user.slice/session-1.scope"
    assert group == own / "mediator-tui" / "acapy-1"
    assert (group / "cpu.max").read_text() == "80000 100000\n"  # a pod's 800m
    assert (group / "cgroup.procs").read_text() == f"{PID}\n"
    # cpu.max exists only where the parent hands the controller down.
    assert (own / "cgroup.subtree_control").read_text() == "+cpu\n"
    assert (own / "mediator-tui" / "cgroup.subtree_control").read_text() == "+cpu\n"


def test_v2_falls_back_to_the_root_where_its_own_cgroup_cannot_take_children(tmp_path):
    """The kernel refuses controllers below a non-root cgroup that holds processes (EBUSY): a
    read-only subtree_control stands in for it."""
    paths = v2_host(tmp_path)
    own = tmp_path / "cg2" / "user.slice/session-1.scope"
    (own / "cgroup.subtree_control").mkdir()  # writing it fails as the kernel's EBUSY would
    group = limit_process(PID, 0.2, "acapy-2", paths)
    assert group == tmp_path / "cg2" / "mediator-tui" / "acapy-2"
    assert (group / "cpu.max").read_text() == "20000 100000\n"
    assert not (own / "mediator-tui").exists()  # nothing left where it failed


def test_v1_writes_quota_and_period_in_the_cpu_hierarchy(tmp_path):
    paths = v1_host(tmp_path)
    assert find_controller(paths).version == 1
    group = limit_process(PID, 1.5, "acapy-3", paths)
    assert group == tmp_path / "cpu,cpuacct" / "docker" / "abc" / "mediator-tui" / "acapy-3"
    assert (group / "cpu.cfs_period_us").read_text() == "100000\n"
    assert (group / "cpu.cfs_quota_us").read_text() == "150000\n"
    assert (group / "cgroup.procs").read_text() == f"{PID}\n"


def test_no_cpu_controller_is_a_clear_error(tmp_path):
    (tmp_path / "cg2").mkdir()
    (tmp_path / "cg2" / "cgroup.controllers").write_text("memory pids\n")
    paths = fake_host(tmp_path, "cgroup2 {root}/cg2 cgroup2 rw 0 0\n", "0::/\n")
    with pytest.raises(CpuLimitError, match="mounts no cgroup CPU controller.*MEDIATOR_CPU_LIMIT empty"):
        limit_process(PID, 0.5, "acapy-4", paths)


def test_a_hierarchy_it_cannot_write_is_a_clear_error_naming_each_place_tried(tmp_path):
    paths = v1_host(tmp_path)
    hierarchy = tmp_path / "cpu,cpuacct"
    (hierarchy / "docker" / "abc" / "mediator-tui").write_text("")  # a file where a folder must go
    (hierarchy / "mediator-tui").write_text("")
    with pytest.raises(CpuLimitError, match=r"cgroup v1 \(.*docker/abc: .*; .*cpu,cpuacct: .*\).*run the tool as root"):
        limit_process(PID, 0.5, "acapy-5", paths)


def test_a_limit_below_the_kernels_least_quota_is_refused(tmp_path):
    with pytest.raises(CpuLimitError, match="below the kernel's least"):
        limit_process(PID, 0.001, "acapy-6", v2_host(tmp_path))


def test_remove_takes_the_cgroup_and_the_empty_tool_folder_away(tmp_path):
    group = limit_process(PID, 0.8, "acapy-7", v2_host(tmp_path))
    other = limit_process(PID + 1, 0.8, "acapy-8", v2_host(tmp_path / "again"))
    # A fake tree has files in its folders, which the kernel's cgroupfs removes itself.
    remove_cgroup(group, remove_dir=shutil.rmtree)
    assert not group.exists() and not group.parent.exists()
    assert other.exists()


def test_remove_retries_a_busy_cgroup_then_says_what_failed(tmp_path):
    calls = []

    def busy_then_gone(path: Path) -> None:
        calls.append(path)
        if len(calls) < 3:
            raise OSError(errno.EBUSY, "Device or resource busy")

    group = tmp_path / "mediator-tui" / "acapy-9"
    remove_cgroup(group, remove_dir=busy_then_gone)
    assert calls[:3] == [group, group, group]

    def refused(path: Path) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    with pytest.raises(CpuLimitError, match="cannot remove the mediator's cgroup .*acapy-9: Permission denied"):
        remove_cgroup(group, remove_dir=refused)


@pytest.mark.parametrize("host", [v2_host, v1_host], ids=["v2", "v1"])
def test_throttling_is_read_from_the_cgroup_of_any_pid(tmp_path, host):
    paths = host(tmp_path)
    group = limit_process(PID, 0.5, "acapy-10", paths)
    write_stat(group, 50, 12, 0.34)
    place(paths, PID, group)
    # With the counters, the limit the cgroup holds: the one written, in cores.
    assert read_throttling(PID, paths) == Throttling(50, 12, 0.34, limit_cores=0.5)
    assert read_throttling(PID + 1, paths) is None  # no such process
    # A cgroup without a quota (a container without a limit, the host's own) throttles nothing and has no limit.
    if (group / "cpu.max").exists():
        (group / "cpu.max").write_text("max 100000\n")
    else:
        (group / "cpu.cfs_quota_us").write_text("-1\n")
    assert read_throttling(PID, paths) == Throttling(50, 12, 0.34, limit_cores=None)
