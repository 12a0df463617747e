"""The mediator's own gauges through the headless command: real Locust workers pinging the embedded
ACA-Py, the probe in the tool's process, the figures in summary.json and mediator.csv."""

from __future__ import annotations

import csv
import json
import time

import psutil
import pytest

from tests.support.headless_runs import EMBEDDED, finish, headless, wait_for_line
from tests.support.procs import busy_seconds

USERS = 6
RUN_S = 30
# After the ramp: from then on the test reads the mediator's CPU time itself.
CPU_FROM_S = 8


def cpu_seconds_between(rows: list[dict], start: float, end: float, *, covering: bool) -> float:
    """The mediator's CPU seconds by mediator.csv from its reading nearest `start` to the one nearest `end`.

    Each row's figure holds since the row before it, so whole rows are summed: those inside [start, end]
    (`covering=False`) give at most the CPU used over it, those reaching from the last reading at or before
    `start` to the first at or after `end` (`covering=True`) at least that much, whatever the CPU's pace.
    """
    stamps = [float(r["ts"]) for r in rows]
    if covering:
        first = max(i for i, ts in enumerate(stamps) if ts <= start)
        last = min(i for i, ts in enumerate(stamps) if ts >= end)
    else:
        first = min(i for i, ts in enumerate(stamps) if ts >= start)
        last = max(i for i, ts in enumerate(stamps) if ts <= end)
    span = rows[first + 1 : last + 1]
    assert span and all(r["cpu_percent"] for r in span), span  # no reading missing in between
    return sum(
        float(r["cpu_percent"]) / 100 * (stamps[i] - stamps[i - 1]) for i, r in enumerate(rows) if first < i <= last
    )


def read_mediator_csv(directory) -> list[dict]:
    with open(directory / "mediator.csv", newline="") as f:
        return list(csv.DictReader(f))


def embedded_acapy(tool_pid: int) -> psutil.Process:
    """The embedded mediator's process: the ACA-Py below the tool that leads its own process group."""
    for child in psutil.Process(tool_pid).children(recursive=True):
        try:
            command = " ".join(child.cmdline())
            if (
                "aries_cloudagent" in command or "acapy_agent" in command or "aca-py" in command
            ) and child.pid == psutil.os.getpgid(child.pid):
                return child
        except (psutil.NoSuchProcess, ProcessLookupError):
            continue
    raise AssertionError("no embedded ACA-Py process below the tool")


@pytest.mark.parametrize("flavour", ["acapy", "acapy-legacy"], ids=["acapy-1.7", "acapy-0.12"])
def test_summary_and_mediator_csv_show_the_mediators_cpu_memory_and_connections(tmp_path, flavour):
    process = headless(
        tmp_path,
        {**EMBEDDED, "MEDIATOR_FLAVOUR": flavour},
        "-f",
        "locustMediatorPing.py",
        "-u",
        str(USERS),
        "-r",
        str(USERS),
        "-t",
        f"{RUN_S}s",
        "--workers",
        "2",
    )
    wait_for_line(process, "swarm:", timeout_s=180)
    mediator = embedded_acapy(process.pid)
    time.sleep(CPU_FROM_S)
    cpu_from = time.time(), busy_seconds(mediator.pid)
    time.sleep(RUN_S - 6 - CPU_FROM_S)
    read_at, rss = time.time(), mediator.memory_info().rss  # before the master ends the run
    cpu_to = read_at, busy_seconds(mediator.pid)
    code, stderr = finish(process, timeout_s=180)
    assert code == 0, stderr
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())["mediator"]
    rows = read_mediator_csv(out)

    assert summary["sources"] == ["process", "admin"] and summary["errors"] == []
    assert abs(summary["rss_bytes_max"] - rss) <= 0.1 * rss
    at_read = min(rows, key=lambda r: abs(float(r["ts"]) - read_at))
    assert abs(float(at_read["ts"]) - read_at) <= 1.5
    assert abs(int(at_read["rss_bytes"]) - rss) <= 0.1 * rss
    assert summary["rss_bytes_max"] == max(int(r["rss_bytes"]) for r in rows if r["rss_bytes"])
    cpu = [float(r["cpu_percent"]) for r in rows if r["cpu_percent"]]
    # The CPU the test read itself between two instants lies between what the rows inside that window
    # and the rows covering it give: the same counters over nested windows, true at any pace of the host.
    # Slack: the kernel counts CPU time in 10 ms ticks; a row's time stamp is taken a moment before its
    # counters are read; and a late reading replaced by the next within its second (core/metrics/history.py)
    # leaves its interval to the next one's pace, which the steady pings keep close.
    used = cpu_to[1] - cpu_from[1]
    inside = cpu_seconds_between(rows, cpu_from[0], cpu_to[0], covering=False)
    covering = cpu_seconds_between(rows, cpu_from[0], cpu_to[0], covering=True)
    slack = 0.1 + 0.05 * used
    assert inside - slack <= used <= covering + slack, (inside, used, covering)
    assert used > 0
    assert summary["cpu_percent_max"] == pytest.approx(max(cpu), abs=0.05)
    # Pings every 0.2-0.5 s from six agents keep the mediator busy, below what two cores can give.
    assert 1.0 < sum(cpu) / len(cpu) and summary["cpu_percent_max"] <= 100 * psutil.cpu_count()
    # After the ramp: the mediator holds one connection per agent running, as the workers say.
    ramped = [r for r in rows if r["agents_running"] == str(USERS) and float(r["ts"]) < read_at]
    assert len(ramped) >= 10, rows
    for row in ramped[3:]:
        assert abs(int(row["connections"]) - USERS) <= 2, row
        assert abs(int(row["session_gap"])) <= 2, row
    assert summary["connections_max"] >= USERS - 2
