"""`mediator-tui capacity ...`: the capacity search, headless: one line per step, the verdict, the export.

The run is built as the headless command builds it (`core/run/build.py`: the
embedded mediator when MEDIATION_URL is empty, a master and its workers), with
`locustfiles/locustCapacity.py` added to the scenario and the ramp's plan
(`--start`, `--step`, ... or CAPACITY_*) handed to the master as its settings.
`core/capacity/driver.py` then paces the ramp and judges each step, and
`core/capacity_session.py` shows what it finds and stops everything afterwards.

Exit status: 0 when a knee was found within the maximum or no level broke, 3
when the first step already broke, 2 for a setup error or a search that could
not finish (the steps measured until then are still shown and exported).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from mediator_tui.commands.headless import blocking_problems
from mediator_tui.core.capacity.driver import CapacityDriver
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.lines import plan_line
from mediator_tui.core.capacity.plan import plan_from_settings
from mediator_tui.core.capacity_session import EXIT_SETUP, SearchOptions, search
from mediator_tui.core.config import BY_KEY, ConfigError, load_config, locustfiles_dir
from mediator_tui.core.config.validate import parse_value
from mediator_tui.core.run.build import Overrides, build_controller
from mediator_tui.core.run.controller import RunController, RunError
from mediator_tui.core.thresholds import ThresholdError

CAPACITY_LOCUSTFILE = "locustCapacity.py"
# The ramp's settings the options stand for; the master reads them when it creates the shape.
PLAN_OPTIONS = {
    "start": "CAPACITY_START",
    "step": "CAPACITY_STEP",
    "max": "CAPACITY_MAX",
    "hold": "CAPACITY_HOLD",
    "settle": "CAPACITY_SETTLE",
    "spawn_rate": "LOCUST_SPAWN_RATE",
}
LOCAL_OPTIONS = ("workers", "locustfile")


def add_parser(commands) -> None:
    capacity = commands.add_parser(
        "capacity",
        help="find how many Locust users (and their agents) the mediator holds within service levels",
        description="Ramp Locust users step by step (each runs its scenario's agents), judge each step on service "
        "levels, stop at the first broken step and say how many users and agents the last step held "
        "and what broke first. Exit 0: a knee "
        "was found within the maximum (or none broke); 3: the first step already broke; 2: setup "
        "error or the search could not finish.",
    )
    capacity.add_argument("--env", dest="env", default=None, metavar="PATH", help="the .env file (default: ./.env)")
    capacity.add_argument("--start", type=int, metavar="N", help="Locust users of the first step (CAPACITY_START)")
    capacity.add_argument("--step", type=int, metavar="N", help="Locust users added per step (CAPACITY_STEP)")
    capacity.add_argument("--max", type=int, metavar="N", help="Locust users of the last step (CAPACITY_MAX)")
    capacity.add_argument(
        "--hold",
        metavar="DURATION",
        help="how long each step runs after its spawning, e.g. 60s, or auto: measured once its agents are "
        "onboarded, as long as the users' waits need for the judgement's pings (CAPACITY_HOLD)",
    )
    capacity.add_argument(
        "--settle", metavar="DURATION", help="the start of each hold left unmeasured, e.g. 10s (CAPACITY_SETTLE)"
    )
    capacity.add_argument("-r", "--spawn-rate", type=float, help="new Locust users per second (LOCUST_SPAWN_RATE)")
    capacity.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="EXPR",
        help="service level in the --fail-on language, e.g. 'p95(ping_mediator)>500'; "
        "repeatable; replaces the default on the same metric and endpoint",
    )
    capacity.add_argument(
        "--resolution",
        type=int,
        metavar="N",
        help="bisect between the last step held and the first broken one down to N Locust users",
    )
    capacity.add_argument(
        "--export", metavar="DIR", help="write capacity.csv, summary.json (with a capacity section), report.html, ..."
    )
    capacity.add_argument(
        "--attach",
        metavar="URL",
        help="search on a Locust master someone else started (its scenario includes "
        "locustCapacity.py; its settings set the ramp)",
    )
    capacity.add_argument(
        "-f",
        "--locustfile",
        action="append",
        metavar="LOCUSTFILE",
        help="scenario file; repeat for several (LOCUST_FILES); locustCapacity.py is added",
    )
    capacity.add_argument("--workers", type=int, help="local worker processes (LOCUST_WORKERS)")
    capacity.add_argument(
        "--tui",
        action="store_true",
        help="show the search in the terminal UI: the steps table, p95 and the mediator's CPU against "
        "the connections held, the verdict (q quits; while searching, it stops the search)",
    )
    capacity.set_defaults(func=run_capacity)


def _usage_error(message: str, redact: Callable[[str], str] = lambda text: text) -> int:
    print(f"mediator-tui capacity: {redact(message)}", file=sys.stderr)
    return EXIT_SETUP


def plan_settings(args) -> dict[str, str]:
    """The ramp's settings given on the command line, as the master's environment carries them."""
    settings = {}
    for option, key in PLAN_OPTIONS.items():
        value = getattr(args, option)
        if value is None:
            continue
        if option in ("hold", "settle"):
            try:
                parse_value(BY_KEY[key], value)  # a duration, or auto for the hold
            except ValueError as error:
                raise ValueError(f"--{option} {value!r} {error}") from None
        settings[key] = f"{value:g}" if isinstance(value, float) else str(value)
    return settings


def _with_ramp(paths: list[str]) -> list[str]:
    if any(Path(path).name == CAPACITY_LOCUSTFILE for path in paths):
        return paths
    return [*paths, str(locustfiles_dir() / CAPACITY_LOCUSTFILE)]


def run_capacity(args) -> int:
    export_dir = Path(args.export) if args.export else None
    if export_dir is not None and export_dir.exists() and not export_dir.is_dir():
        return _usage_error(f"--export {export_dir}: exists and is not a directory")
    if args.resolution is not None and args.resolution < 1:
        return _usage_error(f"--resolution must be at least 1 user (is {args.resolution})")
    if args.workers is not None and args.workers < 0:
        return _usage_error("--workers must not be negative")
    try:
        levels = parse_levels(args.slo)
        settings = plan_settings(args)
    except (ThresholdError, ValueError) as error:
        return _usage_error(str(error))
    try:
        config = load_config(args.env, environ={**os.environ, **settings}, strict=False)
    except ConfigError as error:
        return _usage_error(str(error))
    attach_url = args.attach or config["ATTACH_URL"]
    given = [
        f"--{name.replace('_', '-')}"
        for name in (*PLAN_OPTIONS, *LOCAL_OPTIONS)
        if getattr(args, name) not in (None, [])
    ]
    if attach_url and given:
        return _usage_error(
            f"{', '.join(given)}: an attached master (--attach or ATTACH_URL) ramps by its own "
            f"settings and workers (CAPACITY_* and LOCUST_SPAWN_RATE where the master starts); "
            f"leave them out"
        )
    redact = config.redactor(ATTACH_URL=attach_url or "")
    problems = blocking_problems(config, args)
    if problems:
        return _usage_error("the configuration has problems:\n  " + "\n  ".join(map(str, problems)), redact)
    plan = None
    if not attach_url:
        try:
            plan = plan_from_settings(config.values)
        except ValueError as error:
            return _usage_error(f"{error} (--start, --step, --max, --hold, --settle and --spawn-rate set these)")
    configured = config.values.get("LOCUST_FILES")
    files = args.locustfile or ([str(p) for p in configured.paths] if configured else [])
    overrides = Overrides(
        attach_url=attach_url,
        users=plan.max_users if plan else None,
        spawn_rate=plan.spawn_rate if plan else None,
        workers=args.workers,
        locustfiles=_with_ramp(files),
    )
    try:
        controller = build_controller(config, overrides)
    except (RunError, ValueError) as error:
        return _usage_error(str(error), redact)
    options = SearchOptions(levels=levels, resolution=args.resolution, export_dir=export_dir)
    if args.tui:
        return _search_in_tui(controller, options)
    return search(
        controller,
        options,
        lambda on_step: CapacityDriver(
            controller.client, controller.snapshot, levels, args.resolution, on_step=on_step
        ),
    )


def _search_in_tui(controller: RunController, options: SearchOptions) -> int:
    from mediator_tui.tui.capacity_app import CapacityApp  # Textual only when the TUI runs

    def run_search(feed) -> int:
        shown = replace(
            options,
            signals=False,
            on_plan=lambda plan: feed.plan(plan_line(plan, options.resolution)),
            on_step=feed.step,
            on_verdict=feed.verdict,
        )
        return search(
            controller,
            shown,
            lambda on_step: CapacityDriver(
                controller.client,
                controller.snapshot,
                options.levels,
                options.resolution,
                on_step=on_step,
                sleep=feed.sleep,
            ),
            feed,
        )

    app = CapacityApp(run_search)
    try:
        app.run()
    finally:
        controller.shutdown()  # the search shut the run down already, unless the app failed before it ran
    return EXIT_SETUP if app.return_value is None else app.return_value
