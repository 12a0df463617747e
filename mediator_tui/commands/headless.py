"""`mediator-tui --headless --export DIR ...`: the command-line face of core.headless.

The arguments are defined in cli.py; this reads them, with command-line values
overriding the configuration.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from mediator_tui.core import headless
from mediator_tui.core.config import Config, ConfigError, Problem, load_config
from mediator_tui.core.run.build import build_controller, overrides_from_args
from mediator_tui.core.run.controller import RunError
from mediator_tui.core.thresholds import ThresholdError, parse_thresholds


def _usage_error(message: str, redact: Callable[[str], str] = lambda text: text) -> int:
    print(f"mediator-tui: {redact(message)}", file=sys.stderr)
    return headless.EXIT_SETUP


def blocking_problems(config: Config, args) -> list[Problem]:
    """The configuration's problems that stop a run given these arguments (`-f`, `--attach`)."""
    # Settings the command line replaces may be broken in the file without harm; the needs of the
    # files given with -f are checked when the run is built, an attached master's workers are not ours.
    replaced = {"LOCUST_FILES"} if (args.locustfile or args.attach) else set()
    replaced |= {"AGENT_ENGINE"} if args.attach else set()
    return [
        p for p in config.problems if p.key not in replaced and not (p.scenario and (args.locustfile or args.attach))
    ]


def run_headless(args) -> int:
    if not args.export:
        return _usage_error("--headless needs --export DIR (where the results go)")
    export_dir = Path(args.export)
    if export_dir.exists() and not export_dir.is_dir():
        return _usage_error(f"--export {export_dir}: exists and is not a directory")
    try:
        thresholds = parse_thresholds(args.fail_on or [])
        overrides = overrides_from_args(args)
    except (ThresholdError, ValueError) as error:
        return _usage_error(str(error))
    try:
        config = load_config(args.env, strict=False)
    except ConfigError as error:
        return _usage_error(str(error))
    redact = config.redactor(ATTACH_URL=args.attach or "")
    problems = blocking_problems(config, args)
    if problems:
        return _usage_error("the configuration has problems:\n  " + "\n  ".join(str(p) for p in problems), redact)
    try:
        controller = build_controller(config, overrides)
    except (RunError, ValueError) as error:
        return _usage_error(str(error), redact)
    options = headless.HeadlessOptions(
        export_dir=export_dir, thresholds=thresholds, run_time_s=controller.load.run_time_s
    )
    return headless.run(controller, options)
