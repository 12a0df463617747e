import mmap
import subprocess
import sys

from mediator_tui.locust_support.memory_probe import MemoryProbe


def test_native_memory_is_the_workers_growth_since_start():
    probe = MemoryProbe("native")
    # A mapping of its own, each page written: memory the process did not have resident before, whatever the
    # tests before this one left free in the heap (a bytearray may reuse those pages, counted in the baseline).
    ballast = mmap.mmap(-1, 30 * 2**20)
    for offset in range(0, len(ballast), mmap.PAGESIZE):
        ballast[offset] = 1
    sample = probe.sample([])
    ballast.close()
    assert sample.agent_processes == 0 and sample.shared_bytes == 0
    assert sample.unique_bytes >= 25 * 2**20
    assert sample.worker_rss_bytes >= sample.unique_bytes


def test_credo_memory_sums_agent_processes_and_skips_gone_ones():
    children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) for _ in range(2)]
    try:
        probe = MemoryProbe("credo")
        sample = probe.sample([c.pid for c in children] + [2**22 + 7])
        assert sample.agent_processes == 2
        assert sample.unique_bytes > 0 and sample.shared_bytes > 0
        # Read again only once the reading budget allows: right away, the last figures stay.
        children[0].kill()
        children[0].wait()
        assert probe.sample([c.pid for c in children]).agent_processes == 2
    finally:
        for child in children:
            child.kill()
            child.wait()
