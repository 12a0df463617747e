"""`mediator-tui worker --master HOST[:PORT] [--processes N]`: Locust workers on this host for a run the tool
started on another host (its master bound with MASTER_HOST). Exit 2 with one line when the master cannot be
reached, refuses this worker's version, or the command line is wrong; else Locust's own exit status."""

from __future__ import annotations

import argparse
import os
import sys

import mediator_tui
from mediator_tui.core.config import ConfigError, load_config
from mediator_tui.core.run.remote_worker import (
    JOIN_TIMEOUT_S,
    WorkerError,
    join,
    missing_secrets,
    parse_master,
    prepare_host,
    run_workers,
    worker_command,
    worker_environment,
)

EXIT_USAGE = 2


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "worker",
        help="Locust workers on this host for a master the tool started on another host",
        description="Join this host's Locust workers to a run whose master another mediator-tui started with "
        "MASTER_HOST bound to an address this host reaches. The scenarios and the run's settings come from the "
        "master; secret settings are read from this host's .env or environment, never sent. Exit 2 when the "
        "master cannot be reached or runs another mediator-tui version.",
    )
    parser.add_argument("--master", required=True, metavar="HOST[:PORT]", help="the master's address (port 5557)")
    parser.add_argument(
        "--processes",
        type=_processes,
        default=1,
        metavar="N",
        help="worker processes Locust forks on this host (Locust's --processes; -1: one per core)",
    )
    parser.add_argument("--env", dest="env", default=None, metavar="PATH", help="this host's .env (default: ./.env)")
    parser.add_argument(
        "--join-timeout",
        type=_seconds,
        default=JOIN_TIMEOUT_S,
        metavar="S",
        help=f"how long to wait for the master's answer (default {JOIN_TIMEOUT_S:g} s)",
    )
    parser.set_defaults(func=run_worker)


def _processes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError("must be 1 or more, or -1 for one per core")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def _fail(message: str) -> int:
    print(f"mediator-tui worker: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_worker(args: argparse.Namespace) -> int:
    version = mediator_tui.__version__
    try:
        master = parse_master(args.master)
        local = load_config(args.env, strict=False).raw
    except WorkerError as error:
        return _fail(str(error))
    except ConfigError as error:
        return _fail(str(error).replace("\n", "; "))
    limits = prepare_host()
    print(f"mediator-tui worker {version}, {limits.describe()}", flush=True)
    try:
        reply = join(master, version, args.join_timeout)
    except WorkerError as error:
        return _fail(str(error))
    print(f"connected to master {master} (mediator-tui {reply.master_version})")
    print(f"settings from the master ({len(reply.settings)}): {', '.join(sorted(reply.settings)) or 'none'}")
    lacking = missing_secrets(reply, local)
    present = [name for name in reply.secrets if name not in lacking]
    if present:
        print(f"secrets from this host: {', '.join(present)}")
    if lacking:
        print(f"missing secrets (set them in this host's .env or environment): {', '.join(lacking)}")
    argv = worker_command(master, args.processes)
    print(f"starting Locust workers: locust {' '.join(argv[3:])}", flush=True)
    return run_workers(argv, worker_environment({**os.environ, **local}, reply, args.processes), sys.stdout)
