"""The tool's run for bench/scale.py: started as a user starts it, watched through its progress lines, ended by
its pid, and its own processes' CPU and memory read with psutil while it holds the wallets."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

# The headless progress line (mediator_tui/core/headless.py, progress_line): `... agents 9998 (2 crashed) ...`,
# every 5 s when stderr is no terminal.
AGENTS = re.compile(r"agents (\d+) \((\d+) crashed\)")
SAMPLE_EVERY_S = 5.0


def end_process(process: subprocess.Popen[Any], timeout_s: float) -> int:
    """Stop the run as Ctrl-C does (it stops and writes its export); kill it only when it has not ended within
    `timeout_s`. The tool ignores further signals while it exports, and its group watchdog ends its children
    when it goes (mediator_tui/core/processes.py)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            print(f"pid {process.pid} did not stop within {timeout_s:.0f} s of SIGINT: killing it", flush=True)
            process.kill()
            process.wait(timeout=30)
    return process.returncode


def run_bounded(command: list[str], cwd: Path, env: dict[str, str], timeout_s: float, stop_timeout_s: float) -> int:
    """Run `command` to its end, its output in cwd/stdout; after `timeout_s` it is stopped (a partial export)."""
    with open(cwd / "stdout", "w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            print(f"{cwd.name}: still running after {timeout_s:.0f} s: stopping it", flush=True)
            return end_process(process, stop_timeout_s)
        finally:
            end_process(process, stop_timeout_s)  # the bench itself interrupted: the run must not outlive it


@dataclass
class HeadlessWatch:
    """A headless run whose stderr is read by a thread: kept in cwd/stderr, its agent counts followed."""

    process: subprocess.Popen[str]
    log: IO[str]
    running: int = 0
    crashed: int = 0
    reader: threading.Thread | None = field(default=None, repr=False)

    @classmethod
    def start(cls, command: list[str], cwd: Path, env: dict[str, str]) -> HeadlessWatch:
        with open(cwd / "stdout", "w") as stdout:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
        watch = cls(process, open(cwd / "stderr", "w"))  # closed by close()
        watch.reader = threading.Thread(target=watch._read, daemon=True)
        watch.reader.start()
        return watch

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:  # ends when the run closes its stderr
            self.log.write(line)
            self.log.flush()
            if match := AGENTS.search(line):
                self.running, self.crashed = int(match[1]), int(match[2])

    def wait_for_agents(self, wallets: int, timeout_s: float, stall_s: float) -> float | None:
        """Seconds until `wallets` agents ran; None when `timeout_s` passed first, or when the agents running
        have not grown for `stall_s` (a mediator that stopped onboarding): what is held is measured anyway."""
        started = grew_at = time.monotonic()
        most = self.running
        while (now := time.monotonic()) - started < timeout_s and now - grew_at < stall_s:
            if self.running >= wallets:
                return round(now - started, 1)
            if self.process.poll() is not None:
                raise RuntimeError(f"the run ended (exit {self.process.returncode}) with {self.running} agents")
            if self.running > most:
                most, grew_at = self.running, now
            time.sleep(1.0)
        print(f"{self.running:,} of {wallets:,} agents after {now - started:.0f} s: measuring what is held", flush=True)
        return None

    def close(self) -> None:
        if self.reader is not None:
            self.reader.join(timeout=10)
        self.log.close()


def tool_processes(pid: int) -> dict[str, psutil.Process]:
    """The tool's own processes by role: the headless process (it polls the master: the tool without its TUI),
    the Locust master, each worker. The mediator and the group watchdogs are left out: the mediator's figures
    are the export's, from the tool's own probe."""
    root = psutil.Process(pid)
    found: dict[str, psutil.Process] = {"headless": root}
    workers = []
    for child in root.children(recursive=True):
        try:
            words = child.cmdline()
        except psutil.Error:
            continue
        if "locust" in words and "--worker" in words:
            workers.append(child)
        elif "locust" in words and "--master" in words:
            found["master"] = child
    for number, worker in enumerate(sorted(workers, key=lambda p: p.pid)):
        found[f"worker-{number}"] = worker
    return found


def cpu_seconds(process: psutil.Process) -> float | None:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


@dataclass
class ToolSampler:
    pid: int

    def measure(self, seconds: float, watch: HeadlessWatch) -> dict[str, Any]:
        """Over `seconds`: each tool process's CPU (% of one core) and its largest RSS, and the fewest agents seen
        running; the window's wall-clock bounds, to read the export's per-second files over the same window."""
        processes = tool_processes(self.pid)
        before = {name: cpu_seconds(p) for name, p in processes.items()}
        rss: dict[str, int] = {}
        fewest = watch.running
        started, began_at = time.monotonic(), time.time()
        while (left := seconds - (time.monotonic() - started)) > 0 and watch.process.poll() is None:
            for name, process in processes.items():
                try:
                    rss[name] = max(rss.get(name, 0), process.memory_info().rss)
                except psutil.Error:
                    continue
            fewest = min(fewest, watch.running)
            time.sleep(min(SAMPLE_EVERY_S, left))
        elapsed = time.monotonic() - started
        figures = {}
        for name, process in processes.items():
            start, end = before[name], cpu_seconds(process)
            cpu = None if start is None or end is None or elapsed <= 0 else (end - start) / elapsed * 100
            figures[name] = {"pid": process.pid, "cpu_percent": cpu, "rss_max_bytes": rss.get(name)}
        return {
            "from_ts": began_at,
            "to_ts": began_at + elapsed,
            "seconds": round(elapsed, 1),
            "agents_fewest": fewest,
            "agents_end": watch.running,
            "processes": figures,
        }
