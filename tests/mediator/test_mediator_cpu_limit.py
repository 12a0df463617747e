"""The embedded ACA-Py under MEDIATOR_CPU_LIMIT: it runs inside a cgroup that holds the limit, the kernel
throttles it, the probe reads that throttling, and the cgroup is gone when it stops."""

from __future__ import annotations

import time
from pathlib import Path

from mediator_tui.core.mediator import LocalMediator
from mediator_tui.core.mediator.cpu_limit import PERIOD_US, cgroup_of, find_controller, read_throttling
from mediator_tui.core.processes import group_members
from mediator_tui.core.sources.probe import ProcessReader
from tests.support.procs import busy_seconds

LIMIT = 0.25


def limit_in(group: Path) -> tuple[int, int]:
    """(quota, period) in µs as the kernel holds them for `group`."""
    if (group / "cpu.max").exists():
        quota, period = (group / "cpu.max").read_text().split()
        return int(quota), int(period)
    return int((group / "cpu.cfs_quota_us").read_text()), int((group / "cpu.cfs_period_us").read_text())


def test_the_embedded_mediator_runs_in_a_cgroup_holding_its_cpu_limit_and_is_throttled(tmp_path):
    with LocalMediator("acapy", run_dir=tmp_path, cpu_limit=LIMIT) as mediator:
        group = cgroup_of(mediator.pid, find_controller())
        assert group == mediator.cgroup and group.name == f"acapy-{mediator.pid}"
        assert limit_in(group) == (int(LIMIT * PERIOD_US), PERIOD_US)
        # Its start-up (imports, wallet, warm-up mediation) is one CPU-bound thread: it wants more than a
        # quarter of a core in some 100 ms period, which the kernel cuts short.
        throttling = read_throttling(mediator.pid)
        assert throttling.periods > 0 and 0 < throttling.throttled_periods <= throttling.periods, throttling
        assert throttling.throttled_s > 0
        # Over any window it gets at most its quota per period: load it through its admin API for 3 s.
        begin, busy_before = time.monotonic(), busy_seconds(mediator.pid)
        while time.monotonic() - begin < 3.0:
            mediator.create_invitation()
        used = busy_seconds(mediator.pid) - busy_before
        # One period of slack at each end of the window.
        assert used <= LIMIT * (time.monotonic() - begin) + 2 * PERIOD_US / 1e6, used
        # The probe reads the same counters with the process's figures; they only grow.
        sample = ProcessReader(mediator.pid, ports=()).read()
        assert sample.throttled_periods >= throttling.throttled_periods, sample
        assert sample.throttled_s >= throttling.throttled_s, sample
        pgid = mediator.pgid
    assert not group_members(pgid)
    assert not group.exists() and mediator.cgroup is None
