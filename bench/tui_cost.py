"""What the TUI costs while a large test runs, and whether it disturbs the load.

Starts a local run (embedded mediator, native agents) through the core, then measures two
windows of equal length: one with no TUI, one with a real TUI attached to the run's master
in a pseudo-terminal. Prints the TUI process's CPU (share of one core, from psutil cpu_times)
and the load generator's figures in both windows with their ratio.

    python bench/tui_cost.py --users 1000 --seconds 60

Goal (issue 8): TUI CPU <= 5 % of one core on average; load figures the same with and
without the TUI (ratios near 1).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediator_tui.core.config import load_config  # noqa: E402
from mediator_tui.core.metrics.snapshot import Snapshot  # noqa: E402
from mediator_tui.core.run.build import Overrides, build_controller  # noqa: E402
from mediator_tui.core.run.controller import RunController  # noqa: E402

CPU_GOAL_PERCENT = 5.0
TERMINAL = (100, 32)  # columns, rows


@dataclass(frozen=True)
class LoadFigures:
    seconds: float
    requests_per_s: float
    failures_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    agents_running: int


def _env_text(args) -> str:
    return "\n".join(
        (
            "MEDIATION_URL=",
            f"MEDIATOR_FLAVOUR={args.flavour}",
            "LOCUST_FILES=locustMediatorPing.py",
            "AGENT_ENGINE=native",
            f"LOCUST_MIN_WAIT={args.min_wait}",
            f"LOCUST_MAX_WAIT={args.max_wait}",
            "VERIFIED_TIMEOUT_SECONDS=60",
            "START_PORT=30000",
            "END_PORT=32000",
            "",
        )
    )


def _mean_of(points, field: str) -> float | None:
    values = [getattr(p, field) for p in points if getattr(p, field) is not None]
    return fmean(values) if values else None


def _figures(before: Snapshot, after: Snapshot) -> LoadFigures:
    seconds = after.taken_at - before.taken_at
    series = after.series()
    window = [p for p in (series.points if series else ()) if before.taken_at < p.t <= after.taken_at]
    return LoadFigures(
        seconds=seconds,
        requests_per_s=(after.total.count - before.total.count) / seconds,
        failures_per_s=(after.total.failures - before.total.failures) / seconds,
        p50_ms=_mean_of(window, "p50_ms"),
        p95_ms=_mean_of(window, "p95_ms"),
        agents_running=after.agents.running,
    )


def _measure(run: RunController, seconds: float) -> LoadFigures:
    before = run.snapshot()
    time.sleep(seconds)
    return _figures(before, run.snapshot())


def _wait_for_ramp(run: RunController, users: int, timeout_s: float, stall_s: float = 90.0) -> None:
    """Until every agent runs; gives up early when agents stop coming up while starts fail."""
    deadline = time.monotonic() + timeout_s
    best, best_at = -1, time.monotonic()
    while time.monotonic() < deadline:
        snapshot = run.snapshot()
        agents = snapshot.agents
        print(
            f"\r  ramp: state {snapshot.status.state}, users {snapshot.status.users}, "
            f"agents {agents.running}/{users}, start failures {agents.start_failures}   ",
            end="",
            flush=True,
        )
        if snapshot.status.state == "running" and agents.running >= users:
            print()
            return
        if agents.running > best:
            best, best_at = agents.running, time.monotonic()
        elif agents.start_failures and time.monotonic() - best_at > stall_s:
            print()
            worst = max(snapshot.failures, key=lambda f: f.occurrences, default=None)
            raise SystemExit(
                f"stuck at {best} running agents for {stall_s:g} s; this host and mediator hold "
                f"fewer than {users} (try --users {max(best // 2 * 2, 10)}); most frequent "
                f"failure: {worst.error if worst else '–'}"
            )
        time.sleep(2)
    print()
    raise SystemExit(f"the run did not reach {users} running agents within {timeout_s:g} s")


class AttachedTui:
    """A real TUI process (`python -m mediator_tui --attach URL`) in a pseudo-terminal of its own."""

    def __init__(self, master_url: str, env_file: Path) -> None:
        primary, secondary = pty.openpty()
        columns, rows = TERMINAL
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._primary = primary
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mediator_tui", "--env", str(env_file), "--attach", master_url],
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            cwd=ROOT,
            start_new_session=True,
            env={**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)},
        )
        os.close(secondary)
        self.output_bytes = 0
        # The terminal must be read, or the TUI blocks on a full pty buffer.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._primary, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output_bytes += len(chunk)

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system

    def quit(self) -> None:
        """`q` quits an attached TUI at once (it never stops the remote run); signals if it does not."""
        try:
            os.write(self._primary, b"q")
            self.process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)
                    self.process.wait(timeout=5)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue
        finally:
            os.close(self._primary)


def _ratio(with_tui: float | None, without: float | None) -> str:
    if with_tui is None or not without:
        return "–"
    return f"{with_tui / without:.3f}"


def _report(without: LoadFigures, with_tui: LoadFigures, cpu_percent: float, tui_output: int) -> None:
    print(
        f"\nTUI process CPU: {cpu_percent:.2f} % of one core on average "
        f"(goal <= {CPU_GOAL_PERCENT:g} %: {'met' if cpu_percent <= CPU_GOAL_PERCENT else 'NOT met'}); "
        f"it wrote {tui_output / 1024:.0f} KiB to its terminal"
    )
    print(f"\n{'figure':<16}{'without TUI':>14}{'with TUI':>14}{'ratio':>9}")
    for label, field in (
        ("requests/s", "requests_per_s"),
        ("failures/s", "failures_per_s"),
        ("p50 ms", "p50_ms"),
        ("p95 ms", "p95_ms"),
        ("agents running", "agents_running"),
    ):
        a, b = getattr(without, field), getattr(with_tui, field)
        shown = [("–" if v is None else f"{v:,.2f}") for v in (a, b)]
        print(f"{label:<16}{shown[0]:>14}{shown[1]:>14}{_ratio(b, a):>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000, help="native agents (default 1000)")
    parser.add_argument("--spawn-rate", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=0, help="Locust workers (0: one per core)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each window")
    parser.add_argument("--min-wait", type=float, default=5.0, help="seconds between a wallet's pings, at least")
    parser.add_argument("--max-wait", type=float, default=10.0)
    parser.add_argument("--flavour", default="acapy", help="embedded mediator flavour")
    parser.add_argument("--ramp-timeout", type=float, default=900.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tui-cost-") as scratch:
        env_file = Path(scratch) / ".env"
        env_file.write_text(_env_text(args))
        run = build_controller(
            load_config(env_file), Overrides(users=args.users, spawn_rate=args.spawn_rate, workers=args.workers)
        )
        try:
            print(f"starting {args.users} native agents (embedded {args.flavour} mediator)…")
            run.start()
            _wait_for_ramp(run, args.users, args.ramp_timeout)
            time.sleep(10)  # let rates settle after the ramp
            print(f"window 1: {args.seconds:g} s without a TUI")
            without = _measure(run, args.seconds)
            print(f"window 2: {args.seconds:g} s with a TUI attached to {run.client.base_url}")
            tui = AttachedTui(run.client.base_url, env_file)
            try:
                time.sleep(10)  # start-up is not the steady cost
                if tui.process.poll() is not None:
                    raise SystemExit(f"the TUI exited with code {tui.process.returncode}")
                cpu_before, clock_before = tui.cpu_seconds(), time.monotonic()
                with_tui = _measure(run, args.seconds)
                cpu_percent = 100 * (tui.cpu_seconds() - cpu_before) / (time.monotonic() - clock_before)
            finally:
                tui.quit()
            _report(without, with_tui, cpu_percent, tui.output_bytes)
        finally:
            run.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
