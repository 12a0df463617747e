"""Per-process memory of agents: /proc status parsing and unique-versus-shared totals."""

import os
import subprocess
import sys

from mediator_tui.locust_support.process_memory import (
    ProcessMemory,
    parse_status,
    read_process_memory,
    read_totals,
    summarise,
)

STATUS = """Name:\tnode
VmRSS:\t  150000 kB
RssAnon:\t   98304 kB
RssFile:\t   52224 kB
RssShmem:\t      12 kB
Threads:\t11
"""

MIB = 1024 * 1024


def test_status_lines_are_read_in_bytes():
    assert parse_status(STATUS) == {
        "rss_anon_bytes": 96 * MIB,
        "rss_file_bytes": 51 * MIB,
        "rss_shmem_bytes": 12 * 1024,
    }


def test_unique_memory_adds_up_and_shared_memory_counts_once():
    samples = [
        ProcessMemory(1, 96 * MIB, 51 * MIB, 0, uss_bytes=90 * MIB, pss_bytes=110 * MIB),
        ProcessMemory(2, 60 * MIB, 52 * MIB, 0, uss_bytes=55 * MIB, pss_bytes=70 * MIB),
    ]
    totals = summarise(samples)
    assert totals.unique_bytes == 156 * MIB
    assert totals.shared_bytes == 52 * MIB
    assert (totals.uss_bytes, totals.pss_bytes) == (145 * MIB, 180 * MIB)


def test_an_unreadable_uss_makes_the_total_unknown_rather_than_low():
    samples = [ProcessMemory(1, MIB, MIB, 0, uss_bytes=MIB), ProcessMemory(2, MIB, MIB, 0, uss_bytes=None)]
    assert summarise(samples).uss_bytes is None


def test_live_processes_are_measured_and_gone_ones_left_out():
    child = subprocess.Popen([sys.executable, "-c", "import time; data = bytearray(32 << 20); time.sleep(30)"])
    try:
        for _ in range(100):  # until the child has touched its 32 MiB
            sample = read_process_memory(child.pid)
            if sample and sample.rss_anon_bytes > 32 * MIB:
                break
            subprocess.run(["sleep", "0.05"])
        assert sample.rss_anon_bytes > 32 * MIB
        assert sample.rss_file_bytes > 0
        assert sample.uss_bytes is not None and sample.uss_bytes > 32 * MIB
    finally:
        child.kill()
        child.wait()
    assert read_process_memory(child.pid) is None
    totals = read_totals([os.getpid(), child.pid])
    assert totals.processes == 1
