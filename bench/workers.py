"""How many Locust workers one master holds on this host before heartbeats are missed, and the master's CPU per worker.

Starts a master as the tool starts one (`mediator_tui.core.run.local`: the same command line, environment and
process group, with the scenario's plugin, so its heartbeat liveness and the per-second worker reports are the
tool's), then adds workers on 127.0.0.1 in steps. Each worker runs no user: the question is what holding
workers costs, not what their load does. At each step, once every worker has joined and a settle time has passed,
it holds for a bounded time while it reads the master's /stats/requests once a second (as the tool's poller does)
and measures:

- workers marked missing (the master's log: "failed to send heartbeat", and the worker count read dropping);
- the longest heartbeat gap, from `bench/heartbeat_gaps.py` loaded into the master: a gap of 3 s or more is a
  worker Locust's default liveness (3) would have marked missing, where the tool's (15) does not;
- the master's CPU (psutil, user + system, over the hold) as a share of one core, and per worker; the workers'
  own CPU per worker beside it (the ratio of the two is what adding a worker costs the master against what it
  costs its own host), and the host's whole CPU.

It stops after the first step where a worker was marked missing, at the last step, or when the next step would
pass `--budget`; it ends only the processes it started (one process group).

    python bench/workers.py                                   # steps 5 10 20 40 60, 30 s each
    python bench/workers.py --steps 10 50 100 --hold 20 --budget 420
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediator_tui.core.processes import Child, ProcessGroup, free_loopback_ports  # noqa: E402
from mediator_tui.core.run.local import (  # noqa: E402
    locust_command,
    locust_environment,
    master_args,
    web_args,
    worker_args,
)
from mediator_tui.core.sources.master_api import MasterClient, MasterError  # noqa: E402

SCENARIO = ROOT / "locustfiles" / "locustMediatorPing.py"
GAPS_PLUGIN = ROOT / "bench" / "heartbeat_gaps.py"
HOST = "127.0.0.1"
LOCUST_DEFAULT_LIVENESS = 3
MISSING_LINE = re.compile(r"failed to send heartbeat, setting state to missing")
HEALED_LINE = re.compile(r"self-healed with heartbeat")


@dataclass(frozen=True)
class Step:
    workers: int
    join_s: float
    fewest_seen: int  # the lowest worker count read during the hold
    marked_missing: int  # master log lines during the hold
    healed: int
    longest_gap_s: int  # the longest a worker went unheard, in the master's 1 s ticks
    gaps_over_default: int  # workers unheard for Locust's default liveness or longer
    liveness: int
    master_core: float  # share of one core over the hold
    workers_core: float  # all workers together
    host_busy: float  # share of all cores
    load1: float
    master_rss_mib: float

    def line(self) -> str:
        per_worker_ms = self.master_core / self.workers * 1000
        own_ms = self.workers_core / self.workers * 1000
        return (
            f"{self.workers:>4} | {self.join_s:6.1f} | {self.fewest_seen:>4} | {self.marked_missing:>3} "
            f"| {self.longest_gap_s:>3} s ({self.gaps_over_default} >= {LOCUST_DEFAULT_LIVENESS} s) "
            f"| {self.master_core * 100:5.1f} % | {per_worker_ms:5.2f} ms/s | {own_ms:5.2f} ms/s "
            f"| {per_worker_ms / own_ms if own_ms else float('nan'):5.2f} | {self.host_busy * 100:5.1f} % "
            f"| {self.load1:5.2f} | {self.master_rss_mib:5.0f} MiB"
        )


HEADER = (
    "workers | join s | fewest | missing | longest gap | master CPU | master per worker | worker's own "
    "| master/own | host busy | load1 | master RSS"
)


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def host_busy_seconds() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole host so far."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle, sum(times)


def heartbeat_gaps(web_url: str) -> tuple[int, dict[str, int]]:
    """(liveness, the lowest heartbeat count of each worker since the last call)."""
    with urllib.request.urlopen(f"{web_url}/bench/heartbeats", timeout=5) as response:
        body = json.load(response)
    return int(body["liveness"]), {key: int(value) for key, value in body["lowest"].items()}


class Bench:
    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.group = ProcessGroup(watchdog=True)
        self.web_port, self.master_port = free_loopback_ports(2)
        self.web_url = f"http://{HOST}:{self.web_port}"
        self.client = MasterClient(self.web_url, timeout_s=5.0)
        # No .env in the run folder and nothing of the caller's: the workers run no user, so the scenario
        # needs no mediator, and the processes read only what is set here.
        self.env = locust_environment({"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")})
        self.files = ("-f", f"{SCENARIO},{GAPS_PLUGIN}", "--loglevel", "INFO")
        self.master: Child | None = None
        self.workers: list[Child] = []

    @property
    def master_log(self) -> Path:
        return self.run_dir / "master.log"

    def start_master(self) -> None:
        self.master = self.group.start(
            "master",
            locust_command(*master_args(HOST, self.master_port), *web_args(self.web_port), *self.files),
            env=self.env,
            cwd=self.run_dir,
            log_path=self.master_log,
        )
        self._until(lambda: self._count() is not None, 60, "the master's web API")

    def grow_to(self, count: int, timeout_s: float) -> float:
        started = time.monotonic()
        while len(self.workers) < count:
            index = len(self.workers)
            self.workers.append(
                self.group.start(
                    f"worker-{index}",
                    locust_command(*worker_args(HOST, self.master_port), *self.files),
                    env=self.env,
                    cwd=self.run_dir,
                    log_path=self.run_dir / f"worker-{index}.log",
                )
            )
        self._until(lambda: (self._count() or 0) >= count, timeout_s, f"{count} workers joined")
        return time.monotonic() - started

    def hold(self, seconds: float, join_s: float) -> Step:
        assert self.master is not None
        heartbeat_gaps(self.web_url)  # starts the gaps over
        offset = self.master_log.stat().st_size
        pids = [w.pid for w in self.workers]
        master_before, workers_before = cpu_seconds([self.master.pid]), cpu_seconds(pids)
        busy_before, all_before = host_busy_seconds()
        started = time.monotonic()
        fewest = len(self.workers)
        while (left := seconds - (time.monotonic() - started)) > 0:
            fewest = min(fewest, self._count() or 0)
            time.sleep(min(1.0, left))
        elapsed = time.monotonic() - started
        master_cpu, workers_cpu = cpu_seconds([self.master.pid]) - master_before, cpu_seconds(pids) - workers_before
        busy_after, all_after = host_busy_seconds()
        liveness, lowest = heartbeat_gaps(self.web_url)
        with open(self.master_log, errors="replace") as log:
            log.seek(offset)
            lines = log.read()
        gaps = [liveness - value for value in lowest.values()]
        return Step(
            workers=len(self.workers),
            join_s=join_s,
            fewest_seen=fewest,
            marked_missing=len(MISSING_LINE.findall(lines)),
            healed=len(HEALED_LINE.findall(lines)),
            longest_gap_s=max(gaps, default=0),
            gaps_over_default=sum(1 for gap in gaps if gap >= LOCUST_DEFAULT_LIVENESS),
            liveness=liveness,
            master_core=master_cpu / elapsed,
            workers_core=workers_cpu / elapsed,
            host_busy=(busy_after - busy_before) / (all_after - all_before),
            load1=os.getloadavg()[0],
            master_rss_mib=psutil.Process(self.master.pid).memory_info().rss / 2**20,
        )

    def _count(self) -> int | None:
        try:
            return int(self.client.stats().get("worker_count") or 0)
        except MasterError:
            return None

    def _until(self, condition, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if self.master is not None and not self.master.alive():
                raise SystemExit(f"the master exited; its log ends with:\n{self.master.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} within {timeout_s:g} s")
            time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[5, 10, 20, 40, 60], help="worker counts, rising")
    parser.add_argument("--hold", type=float, default=30.0, help="seconds measured at each step")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after the last worker joined, unmeasured")
    parser.add_argument("--budget", type=float, default=420.0, help="no step starts that would end after this many s")
    parser.add_argument("--join-timeout", type=float, default=120.0, help="seconds for a step's workers to join")
    args = parser.parse_args(argv)
    if sorted(args.steps) != args.steps or args.steps[0] < 1:
        parser.error("--steps: worker counts, each at least 1, rising")
    started = time.monotonic()
    print(
        f"host: {os.cpu_count()} cores, load {' '.join(f'{v:.2f}' for v in os.getloadavg())}, "
        f"{psutil.virtual_memory().available / 2**30:.1f} GiB available"
    )
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
        bench = Bench(Path(folder))
        try:
            bench.start_master()
            for count in args.steps:
                spent = time.monotonic() - started
                # A step costs its hold and settle, and a worker's start, about a second of CPU each on this host.
                guess = args.hold + args.settle + (count - len(bench.workers)) * 1.0
                if spent + guess > args.budget:
                    print(f"stopping before {count} workers: {spent:.0f} s spent, the step would pass --budget")
                    break
                try:
                    join_s = bench.grow_to(count, args.join_timeout)
                except TimeoutError as error:
                    print(f"stopping at {count} workers: {error}")
                    break
                time.sleep(args.settle)
                step = bench.hold(args.hold, join_s)
                steps.append(step)
                if len(steps) == 1:
                    print(f"heartbeat liveness {step.liveness} s; hold {args.hold:g} s, settle {args.settle:g} s")
                    print(HEADER)
                print(step.line(), flush=True)
                if step.marked_missing or step.fewest_seen < step.workers:
                    print(f"heartbeats missed at {count} workers: stopping")
                    break
        finally:
            bench.group.stop()
    held = [s for s in steps if not s.marked_missing and s.fewest_seen == s.workers]
    print(
        f"held without a worker marked missing: {held[-1].workers if held else 0} workers "
        f"({time.monotonic() - started:.0f} s in all)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
