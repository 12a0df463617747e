"""The capacity search's session: pace the ramp through the driver, show each step, always stop the load
and export what was measured.

`commands/capacity.py` builds the run from the command line and hands it here; the TUI's capacity view
runs the same session on a worker thread (`tui/capacity_app.py`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mediator_tui.contracts.capacity import RampPlan
from mediator_tui.core.capacity.driver import CapacityDriver, CapacitySearchError
from mediator_tui.core.capacity.levels import ServiceLevel, StepJudgement
from mediator_tui.core.capacity.lines import plan_line, step_line, verdict_lines
from mediator_tui.core.capacity.outcome import CapacityOutcome
from mediator_tui.core.capacity.search import CapacitySearch, Verdict
from mediator_tui.core.headless import (
    EXIT_OK,
    EXIT_SETUP,
    EXIT_THRESHOLD,
    Interrupted,
    ignore_signals,
    interruptible,
    wait_for_master,
)
from mediator_tui.core.run.controller import RunController, RunError
from mediator_tui.core.sources.master_api import MasterError

__all__ = ["EXIT_SETUP", "SearchOptions", "exit_status", "plan_line", "search"]


def _ignore(_value: object) -> None:
    pass


@dataclass
class SearchOptions:
    levels: tuple[ServiceLevel, ...]
    resolution: int | None = None
    export_dir: Path | None = None
    # Off the main thread (the TUI's worker) no signal can be caught: the TUI interrupts through the driver.
    signals: bool = True
    # Where the TUI's capacity view takes what the lines say (the plan, each step, the verdict).
    on_plan: Callable[[RampPlan], None] = _ignore
    on_step: Callable[[StepJudgement], None] = _ignore
    on_verdict: Callable[[Verdict], None] = _ignore


def exit_status(verdict: Verdict) -> int:
    return EXIT_THRESHOLD if verdict.first_step_broke else EXIT_OK


class _Output:
    def __init__(self, stream: TextIO, redact: Callable[[str], str]):
        self._stream, self._redact = stream, redact

    def say(self, text: str) -> None:
        self._stream.write(self._redact(text) + "\n")
        self._stream.flush()

    def relay(self, controller: RunController) -> None:
        for line in controller.drain_logs():
            if line.source == "tool":
                self.say(line.text)


def search(
    controller: RunController,
    options: SearchOptions,
    make_driver: Callable[[Callable[[StepJudgement], None]], CapacityDriver],
    stream: TextIO | None = None,
) -> int:
    """Run the search on `controller`; always stops the load, shuts the run down and, once a plan is
    known, exports (marked partial when the search did not finish)."""
    out = _Output(stream or sys.stdout, controller.redact)  # sys.stdout as it is now (a test may capture it)
    steps: list[StepJudgement] = []

    def on_step(judgement: StepJudgement) -> None:
        steps.append(judgement)
        options.on_step(judgement)
        out.say(step_line(judgement))
        out.relay(controller)

    plan: RampPlan | None = None
    verdict: Verdict | None = None
    failure = ""
    with interruptible(controller, out.say, signals=options.signals):
        try:
            try:
                out.relay(controller)
                controller.prepare()
                if controller.mode == "attached":
                    wait_for_master(controller)
                out.relay(controller)
                driver = make_driver(on_step)
                plan = driver.plan()
                options.on_plan(plan)
                out.say(plan_line(plan, options.resolution))
                verdict = driver.run()
            except Interrupted as signal_name:
                failure = f"{signal_name}: the search stopped early"
            except (CapacitySearchError, RunError, MasterError, ValueError) as error:
                failure = controller.failure() or str(error)
            if options.signals:
                ignore_signals()  # from here on, the load ends and the files get written whatever comes
            out.relay(controller)
            stopped = _stop_load(controller, out)
            if verdict is None and plan is not None and steps:
                verdict = _verdict_of(steps, plan, options)
            if failure:
                out.say(f"error: {failure}")
                if verdict is not None:
                    out.say(f"what the {len(steps)} steps measured before that:")
            if verdict is not None:
                options.on_verdict(verdict)
            for line in verdict_lines(verdict) if verdict is not None else ():
                out.say(line)
            if options.export_dir is not None and plan is not None:
                if stopped:
                    controller.final_poll()
                outcome = CapacityOutcome(plan, options.levels, options.resolution, verdict, complete=not failure)
                directory = controller.export_now(options.export_dir, partial=bool(failure), capacity=outcome)
                out.say(f"export written to {directory}")
            if failure or verdict is None:
                return EXIT_SETUP
            return exit_status(verdict)
        except (RunError, MasterError, ValueError) as error:
            out.say(f"error: {error}")
            return EXIT_SETUP


def _stop_load(controller: RunController, out: _Output) -> bool:
    """The driver has asked the ramp to stop; Locust's /stop makes sure, and says when it cannot."""
    try:
        controller.stop()
        return True
    except MasterError as error:
        where = (
            "an attached master keeps running: stop it in its web UI"
            if controller.mode == "attached"
            else "its processes are ended next"
        )
        out.say(f"could not stop the load ({where}): {error}")
        return False


def _verdict_of(steps: list[StepJudgement], plan: RampPlan, options: SearchOptions) -> Verdict:
    """The verdict of the steps measured when the search did not finish."""
    partial = CapacitySearch(plan.targets(), options.levels, options.resolution)
    for judgement in steps:
        partial.record(judgement.figures)
    return partial.verdict()
