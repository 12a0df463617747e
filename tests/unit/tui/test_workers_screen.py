"""The workers screen: w shows every host with its workers; a missing one in red with why it likely went."""

import io
from dataclasses import replace

from rich.console import Console

from mediator_tui.tui.panes.hosts import hosts_view
from tests.support.host_reports import A, B, Run, one_host_lost_to_cpu, report, worker


def _text(renderable) -> str:
    console = Console(width=100, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_each_host_shows_its_live_workers_summed_and_its_missing_ones_with_the_reason():
    text = _text(hosts_view(one_host_lost_to_cpu().store.snapshot().hosts))
    load_a, load_b = text.split("load-b ")
    assert "load-a  2 workers  agents 22  CPU 70 %  open files 440/2,048" in load_a and "missing" not in load_a
    assert "0 workers  agents 0" in load_b
    assert "1 missing since 22:13:23: CPU near a core" in load_b  # the moment it went, in UTC (tui/conftest.py)
    (row,) = [line.split() for line in load_b.splitlines() if line.split()[:1] == ["01234567"]]
    assert row == ["01234567", "missing", "0", "40", "98", "%", "260/1,024", "40"]  # its last report's figures


def test_no_workers_yet_says_so():
    assert "no workers yet" in _text(hosts_view(()))


def test_a_hosts_line_shows_the_bytes_a_second_its_workers_send_the_master_once_measured():
    run = Run()
    a1, a2 = f"load-a_{A}", f"load-a_{B}"
    measured = [
        replace(report(a1, "load-a", 100, cpu_seconds=0.0), report_bytes=1_024),
        replace(report(a2, "load-a", 100, cpu_seconds=0.0), report_bytes=2_048),
    ]
    run.poll([worker(a1), worker(a2)], measured)
    line = " ".join(_text(hosts_view(run.store.snapshot().hosts)).split())  # as wrapped to the pane's width
    assert "local ports 20/28.2k reports 3.0 KiB/s" in line
    run.poll([worker(a1), worker(a2)], [report(a1, "load-a", 101, 0.1), report(a2, "load-a", 101, 0.1)])
    assert "reports" not in _text(hosts_view(run.store.snapshot().hosts))  # a master that does not measure them
