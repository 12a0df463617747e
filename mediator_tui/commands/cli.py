"""Command line: one entry point for the TUI, the headless exporter, config checks and the mediator."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mediator_tui import __version__

EXIT_OK, EXIT_USAGE = 0, 2

DESCRIPTION = """\
A terminal control room for load-testing DIDComm mediators.

modes:
  mediator-tui                          the TUI (embedded local mediator when MEDIATION_URL is empty)
  mediator-tui --attach URL             the TUI on a Locust master someone else started
  mediator-tui --headless --export DIR  no UI: run, print progress, write the export, exit by thresholds
  mediator-tui capacity [--start N] [--step N] [--max N] [--slo EXPR] [--export DIR]
                                        how many Locust users the mediator holds: a step ramp, headless
  mediator-tui compare BASE CANDIDATE   two exported runs side by side: better, worse or the same within noise
  mediator-tui worker --master HOST[:PORT] [--processes N]
                                        Locust workers on this host for a run started on another host
  mediator-tui config check             validate a .env file
  mediator-tui mediator up|invite|status|down|provision   the embedded ACA-Py mediator
  mediator-tui agents provision         install the credo engine now (else it installs on first use)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediator-tui", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--env", default=None, metavar="PATH", help="the .env file (default: ./.env)")
    parser.add_argument("--attach", metavar="URL", help="attach to a running Locust master's web URL")
    parser.add_argument("--headless", action="store_true", help="run without the TUI")
    parser.add_argument("--export", metavar="DIR", help="write summary.json, CSVs, report.html and charts.txt here")
    parser.add_argument(
        "-u", "--users", type=int, help="Locust users, each running its scenario's agents (LOCUST_USERS)"
    )
    parser.add_argument("-r", "--spawn-rate", type=float, help="new Locust users per second (LOCUST_SPAWN_RATE)")
    parser.add_argument("-t", "--run-time", help="run length, e.g. 90s or 5m (LOCUST_RUN_TIME)")
    parser.add_argument("--workers", type=int, help="local worker processes (LOCUST_WORKERS)")
    parser.add_argument(
        "-f",
        "--locustfile",
        action="append",
        metavar="LOCUSTFILE",
        help="scenario file; repeat for several (LOCUST_FILES)",
    )
    parser.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="EXPR",
        help="threshold, e.g. 'fail_ratio>0.01', 'p95(ping_mediator)>500', 'crashes>0'; exit 3 when one is crossed",
    )
    commands = parser.add_subparsers(dest="command", metavar="{capacity,compare,worker,config,mediator,agents}")
    _add_capacity_parser(commands)
    _add_compare_parser(commands)
    _add_worker_parser(commands)
    _add_config_parser(commands)
    _add_mediator_parser(commands)
    _add_agents_parser(commands)
    return parser


def _add_config_parser(commands) -> None:
    config = commands.add_parser("config", help="check or show the .env configuration")
    actions = config.add_subparsers(dest="config_command", metavar="{check,show}", required=True)
    check = actions.add_parser("check", help="validate a .env file; exit 2 with one line per problem")
    check.add_argument("--env", dest="env", default=None, metavar="PATH")
    check.set_defaults(func=_config_check)
    show = actions.add_parser("show", help="print every setting with secrets masked")
    show.add_argument("--env", dest="env", default=None, metavar="PATH")
    show.set_defaults(func=_config_show)


def _add_capacity_parser(commands) -> None:
    from mediator_tui.commands import capacity

    capacity.add_parser(commands)


def _add_compare_parser(commands) -> None:
    from mediator_tui.commands import compare

    compare.add_parser(commands)


def _add_worker_parser(commands) -> None:
    from mediator_tui.commands import worker

    worker.add_parser(commands)


def _add_mediator_parser(commands) -> None:
    from mediator_tui.commands import mediator

    mediator.add_parser(commands)


def _add_agents_parser(commands) -> None:
    from mediator_tui.commands import agents

    agents.add_parser(commands)


def _env_path(args) -> str:
    from mediator_tui.core.config import DEFAULT_ENV_FILE

    return args.env or DEFAULT_ENV_FILE


def _config_check(args) -> int:
    from mediator_tui.core.config import EnvFileError, check_file
    from mediator_tui.core.config.runnable import engine_note

    path = _env_path(args)
    try:
        _, values, problems = check_file(path)
    except EnvFileError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_USAGE
    note = engine_note(values)
    if note:
        print(note)
    print(f"{path}: ok")
    return EXIT_OK


def _config_show(args) -> int:
    from mediator_tui.core.config import SETTINGS, ConfigError, load_config

    try:
        config = load_config(args.env, strict=False)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    shown = config.masked()
    for setting in SETTINGS:
        print(f"{setting.key}={shown.get(setting.key, setting.default)}")
    for problem in config.problems:
        print(f"# problem: {problem}", file=sys.stderr)
    return EXIT_USAGE if config.problems else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None):
        return args.func(args)
    if args.export and not args.headless:
        parser.error("--export goes with --headless (the TUI exports with its own key)")
    if args.headless:
        if not args.export:
            parser.error("--headless needs --export DIR")
        from mediator_tui.commands.headless import run_headless

        return run_headless(args)
    from mediator_tui.tui import run_tui

    return run_tui(args)


if __name__ == "__main__":
    sys.exit(main())
