"""The headless run: start, show a progress line on stderr, stop, export, exit by thresholds.

Exit status: 0 when every threshold holds, 3 when one fails, 2 for a usage or
setup error. Without thresholds, a run in which nothing worked (no agent started, no
request succeeded) exits 3 too: a run that tested nothing must not pass for a good one. Ctrl-C or SIGTERM ends the run early; the export is still
written (marked partial) and the thresholds judge what was measured.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import NoReturn, TextIO

from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.cpu_breakdown import cpu_samples, estimate
from mediator_tui.core.metrics.host_view import HostView
from mediator_tui.core.metrics.onboarding import OnboardingSnapshot
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.run.controller import RunController, RunError
from mediator_tui.core.sources.master_api import MasterError
from mediator_tui.core.thresholds import Threshold, check_all

EXIT_OK, EXIT_SETUP, EXIT_THRESHOLD = 0, 2, 3
ATTACH_WAIT_S = 30.0
PROGRESS_EVERY_S = 1.0
PLAIN_PROGRESS_EVERY_S = 5.0  # when stderr is not a terminal, fewer lines


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: end the run early and keep what was measured."""


@dataclass
class HeadlessOptions:
    export_dir: Path
    thresholds: list[Threshold] = field(default_factory=list)
    run_time_s: float | None = None


def onboarding_part(onboarding: OnboardingSnapshot) -> str:
    """Onboardings per second, their p95 in the latest interval and the backlog (waiting + in flight)."""
    rate = f"{onboarding.per_s:.1f}/s" if onboarding.per_s is not None else "–/s"
    p95 = f"{onboarding.p95_ms / 1000:.1f} s" if onboarding.p95_ms is not None else "–"
    cap = f", cap {onboarding.cap}" if onboarding.cap else ""
    return f"  onboarding {rate} p95 {p95} backlog {onboarding.backlog} ({onboarding.in_flight} in flight{cap})"


def missing_hosts(hosts: tuple[HostView, ...]) -> str:
    """`load-b: 2 missing (CPU near a core)` for each host with missing workers; "" when none is."""
    return "; ".join(f"{h.host}: {len(h.missing)} missing ({h.why_missing})" for h in hosts if h.missing)


def progress_line(snapshot: Snapshot) -> str:
    status, total = snapshot.status, snapshot.total
    planned = f"/{status.run_time_s:.0f}s" if status.run_time_s else ""
    p95 = f"{total.interval_p95_ms:.0f} ms" if total.interval_p95_ms is not None else "–"
    target = f"/{status.target_users}" if status.target_users is not None else ""
    line = (
        f"[{status.elapsed_s:5.0f}s{planned}] {status.state:<9} users {status.users}{target}  "
        f"req/s {total.rps:7.1f}  failures {total.failures} ({total.fail_ratio:.2%})  p95 {p95}"
    )
    if snapshot.agents.known:
        line += f"  agents {snapshot.agents.running} ({snapshot.agents.crashed} crashed)"
    if snapshot.onboarding.known:
        line += onboarding_part(snapshot.onboarding)
    if missing := missing_hosts(snapshot.hosts):
        line += f"  workers missing: {missing}"
    if status.error:  # unreachable, or a master of another release
        line += f"  [{status.error}]"
    return line


class _Progress:
    """Everything a headless run writes on stderr, each line through the run's redactor."""

    def __init__(self, stream: TextIO, redact: Callable[[str], str]):
        self._stream = stream
        self._redact = redact
        self._tty = stream.isatty()
        self._last = 0.0

    def show(self, snapshot: Snapshot) -> None:
        now = time.monotonic()
        if not self._tty and now - self._last < PLAIN_PROGRESS_EVERY_S:
            return
        self._last = now
        line = printable(self._redact(progress_line(snapshot)))
        self._stream.write(f"\r\x1b[2K{line}" if self._tty else line + "\n")
        self._stream.flush()

    def say(self, text: str) -> None:
        self._stream.write(("\n" if self._tty and self._last else "") + printable(self._redact(text)) + "\n")
        self._stream.flush()
        self._last = 0.0 if self._tty else self._last

    def relay(self, controller: RunController) -> None:
        """The tool's own lines of the run's log (a start's progress, warnings); the children's
        lines stay in their log files, as the TUI's log screen shows them."""
        for line in controller.drain_logs():
            if line.source == "tool":
                self.say(line.text)


def _raise_interrupted(signum: int, _frame: FrameType | None) -> NoReturn:
    # One interruption is enough: later signals must not break the export being written.
    ignore_signals()
    raise Interrupted(signal.Signals(signum).name)


def wait_for_master(controller: RunController) -> None:
    """An attached master may be briefly unreachable: the poller retries; give up after a while, or at
    once when its answer will not change by waiting (a refused redirect, credentials wanted, not a master)."""
    deadline = time.monotonic() + ATTACH_WAIT_S
    while time.monotonic() < deadline:
        status = controller.snapshot().status
        if status.connected:
            return
        if status.error_lasting:
            raise RunError(status.error)
        controller.refresh(1.0)
    raise RunError(controller.snapshot().status.error or f"no answer from {controller.client.base_url}")


def _run_until_done(controller: RunController, options: HeadlessOptions, progress: _Progress) -> str:
    """Wait for the end of the run; the reason when it cannot go on, else ""."""
    seen_running = False
    while True:
        controller.refresh(PROGRESS_EVERY_S + 1.0)
        progress.relay(controller)
        snapshot = controller.snapshot()
        progress.show(snapshot)
        failure = controller.failure()
        if failure:
            return failure
        state = snapshot.status.state
        seen_running = seen_running or state in ("spawning", "running")
        if options.run_time_s is not None and snapshot.status.elapsed_s >= options.run_time_s:
            return ""
        if seen_running and state in ("stopped", "stopping"):
            progress.say("the master stopped the run")
            return ""


@contextmanager
def interruptible(controller: RunController, say: Callable[[str], None], *, signals: bool = True) -> Iterator[None]:
    """Ctrl-C and SIGTERM raise `Interrupted` inside; on leaving, the run is shut down whatever happened.
    `signals=False` off the main thread (where Python cannot take signals): the caller interrupts."""
    previous = (
        {sig: signal.signal(sig, _raise_interrupted) for sig in (signal.SIGINT, signal.SIGTERM)} if signals else {}
    )
    try:
        yield
    finally:
        if signals:
            ignore_signals()
        try:
            controller.shutdown()
        except RunError as error:
            say(f"error while ending the run: {error}")
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(controller: RunController, options: HeadlessOptions, stream: TextIO = sys.stderr) -> int:
    """Drive `controller` to the end; always shuts it down and, once started, always exports."""
    progress = _Progress(stream, controller.redact)
    partial = started = False
    failure = ""
    with interruptible(controller, progress.say):
        try:
            try:
                progress.relay(controller)
                if controller.mode == "attached":
                    wait_for_master(controller)
                # The tool stops the run itself, so the last reports are read before anything ends.
                controller.start(run_time_s=options.run_time_s, stop_by_master=False)
                started = True
                failure = _run_until_done(controller, options, progress)
                partial = bool(failure)
            except Interrupted as signal_name:
                partial = True
                progress.say(f"{signal_name}: stopping early, writing a partial export")
            ignore_signals()  # from here on, the run ends and the files get written whatever comes
            if started and not failure:
                try:
                    controller.stop()
                    controller.final_poll()
                except MasterError as error:
                    progress.say(f"could not stop the run cleanly: {error}")
            status = _export(controller, options, partial, progress)
            if failure:
                progress.say(f"error: {failure}")
                return EXIT_SETUP
            return status
        except (RunError, MasterError, ValueError) as error:
            progress.relay(controller)
            progress.say(f"error: {error}")
            return EXIT_SETUP


def ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _export(controller: RunController, options: HeadlessOptions, partial: bool, progress: _Progress) -> int:
    snapshot = controller.snapshot()
    progress.show(snapshot)
    results = check_all(options.thresholds, snapshot)
    directory = controller.export_now(options.export_dir, options.thresholds, partial=partial)
    progress.say(f"export written to {directory}")
    if missing := missing_hosts(snapshot.hosts):
        progress.say(f"workers missing: {missing}")
    if snapshot.mediator.cpu_percent_max is not None:
        progress.say(f"mediator CPU: {estimate(cpu_samples(snapshot)).said()}")
    for result in results:
        why = f" (not measurable: {result.unknown_because})" if result.unknown_because else ""
        progress.say(f"threshold {result.expr}: value {result.value}{why} -> {'holds' if result.ok else 'FAILED'}")
    if not options.thresholds and snapshot.judged.nothing_worked:
        progress.say(f"nothing worked: {snapshot.judged.nothing_worked} (exit 3; with --fail-on the thresholds decide)")
        return EXIT_THRESHOLD
    return EXIT_OK if all(r.ok for r in results) else EXIT_THRESHOLD
