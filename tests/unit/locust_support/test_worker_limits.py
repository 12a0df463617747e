"""A worker's local limits are found and named before they bite."""

import resource
import subprocess
import sys

import pytest

from mediator_tui.agents.interface import AgentLimitError
from mediator_tui.common.host_limits import local_port_range
from mediator_tui.locust_support.worker_limits import AgentSlots, Capacity, capacity


def test_open_file_limit_is_raised_to_the_hard_limit():
    probe = (
        "import resource\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "from mediator_tui.common.open_files import raise_open_file_limit\n"
        "print(raise_open_file_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard)\n"
    )
    new, in_force, hard = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert new == in_force
    if hard != str(resource.RLIM_INFINITY):
        assert new == hard


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timer slack is a Linux feature")
def test_a_worker_lets_the_kernel_fold_its_timer_wakeups_together():
    probe = (
        "from mediator_tui.locust_support.worker_agents import WorkerAgents\n"
        "before = open('/proc/self/timerslack_ns').read().strip()\n"
        "WorkerAgents('native', (40000, 40999), 1).apply_limits()\n"
        "print(before, open('/proc/self/timerslack_ns').read().strip())\n"
    )
    before, after = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert int(before) < 5_000_000 and int(after) == 5_000_000


def test_a_small_port_range_is_named_as_the_limit(tmp_path):
    ports = tmp_path / "ip_local_port_range"
    ports.write_text("40000\t40009\n")
    assert local_port_range(str(ports)) == (40000, 40009)
    found = capacity(port_range_path=str(ports))
    assert found.max_agents == 10 and "local port range (40000-40009" in found.limited_by


def test_agents_without_a_local_connection_are_capped_by_files_only(tmp_path):
    ports = tmp_path / "ip_local_port_range"
    ports.write_text("40000 40009\n")
    found = capacity(files_per_agent=3, ports_per_agent=0, port_range_path=str(ports))
    assert "open files" in found.limited_by and found.max_agents > 10


def test_slots_refuse_past_capacity_naming_the_limit_and_free_on_release():
    slots = AgentSlots(Capacity(2, 1024, 28232, "open files (RLIMIT_NOFILE 1024)"))
    slots.acquire()
    slots.acquire()
    with pytest.raises(AgentLimitError, match=r"holds 2 agents.*RLIMIT_NOFILE 1024.*Preparing a VM"):
        slots.acquire()
    assert slots.refused == 1
    slots.release()
    slots.acquire()
