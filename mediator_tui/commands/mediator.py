"""`mediator-tui mediator ...`: provision, start, query and stop the local mediator from a shell.

`up` leaves the mediator running in the background (its own process group) and
records it in `$XDG_STATE_HOME/mediator-tui/mediator.json`; `invite`, `status`
and `down` act on that record. A second `up` while one runs prints the running
one and exits 0 without changing anything. Results go to stdout, progress and
errors to stderr; exit codes: 0 ok, 1 failure, 3 `status`/`invite` with no
mediator running.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from mediator_tui.commands.console import fail, progress
from mediator_tui.core.config import ConfigError, load_config
from mediator_tui.core.config.validate import parse_cores, parse_duration
from mediator_tui.core.mediator import (
    CONNECTIONS_V1,
    OOB,
    LocalMediator,
    MediatorError,
    flavours,
    nginx,
    postgres_binaries,
    state,
)
from mediator_tui.core.mediator.cpu_limit import read_throttling
from mediator_tui.core.mediator.postgres import POSTGRES, STORAGES
from mediator_tui.core.mediator.process import HOST
from mediator_tui.core.mediator.proxy import KINDS, NGINX, NONE, proxy_setting
from mediator_tui.core.metrics.throttling import Throttled

NOT_RUNNING = 3


def _running() -> LocalMediator | None:
    """The recorded mediator if it still runs; a stale record (and its run dir) is removed."""
    recorded = state.load()
    if recorded is None:
        return None
    try:
        mediator = LocalMediator.from_state(recorded)
    except (MediatorError, KeyError, TypeError, ValueError, AttributeError):  # a record damaged by hand
        mediator = None
    if mediator is not None and mediator.running:
        return mediator
    state.clear()
    if mediator is not None:
        try:
            mediator.stop()  # what it left: its proxy, its PostgreSQL cluster, its run dir
        except MediatorError as err:
            print(f"warning: cleaning up after the stopped mediator: {err}", file=sys.stderr)
    elif recorded.get("run_dir"):
        shutil.rmtree(Path(recorded["run_dir"]), ignore_errors=True)
    return None


def _print_urls(mediator: LocalMediator) -> None:
    print(f"invitation: {mediator.invitation_url}")
    print(f"admin:      {mediator.admin_url}")


def cmd_provision(args: argparse.Namespace) -> int:
    try:
        if args.storage == POSTGRES:
            print(f"postgres: the server programs in {postgres_binaries.ensure(progress).folder} ready")
            return 0
        flavour = flavours.pick(args.flavour)
        label = flavour.provision(progress)
        proxy = nginx.ensure(progress) if args.proxy == NGINX else None
    except MediatorError as err:
        return fail(err)
    print(f"{flavour.name}: {label} ready")
    if proxy:
        print(f"proxy: {proxy} ready")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    with state.locked():
        mediator = _running()
        if mediator is not None:
            print(
                f"a mediator ({mediator.flavour.name}) is already running, pid {mediator.pid}; "
                f"nothing changed. Stop it with `mediator-tui mediator down`.",
                file=sys.stderr,
            )
            _print_urls(mediator)
            return 0
        try:
            storage, max_connections = _storage_choice(args)
            mediator = LocalMediator(
                args.flavour,
                http_port=args.http_port,
                ws_port=args.ws_port,
                admin_port=args.admin_port,
                progress=progress,
                ready_timeout=args.ready_timeout,
                detached=True,
                storage=storage,
                postgres_max_connections=max_connections,
                cpu_limit=args.cpu_limit,
                proxy=proxy_setting(args.proxy, args.proxy_idle_timeout),
                instances=args.instances,
            )
            mediator.start()
        except MediatorError as err:
            return fail(err)
        state.save(mediator.to_state())
    print(
        f"{mediator.flavour.name} ({mediator.runtime_label}) running, pid {mediator.pid}, log {mediator.log_path}",
        file=sys.stderr,
    )
    _print_urls(mediator)
    return 0


def _storage_choice(args: argparse.Namespace) -> tuple[str, int]:
    """--storage and --postgres-max-connections, else MEDIATOR_STORAGE and MEDIATOR_POSTGRES_MAX_CONNECTIONS
    of the .env (and the environment)."""
    keys = ("MEDIATOR_STORAGE", "MEDIATOR_POSTGRES_MAX_CONNECTIONS")
    try:
        config = load_config(getattr(args, "env", None), strict=False, missing_ok=True)
    except ConfigError as err:
        raise MediatorError(str(err)) from None
    problems = [str(problem) for problem in config.problems if problem.key in keys]
    if problems:
        raise MediatorError("; ".join(problems))
    storage = args.storage or config["MEDIATOR_STORAGE"]
    given = args.postgres_max_connections
    max_connections = config["MEDIATOR_POSTGRES_MAX_CONNECTIONS"] if given is None else given
    return storage, max_connections


def _storage_line(mediator: LocalMediator) -> str:
    cluster = mediator.cluster
    if cluster is None:
        return f"sqlite (the wallet in {mediator.run_dir})"
    return (
        f"postgres on {HOST}:{cluster.port}, max_connections {cluster.max_connections} "
        f"(cluster {cluster.folder}, log {cluster.log_path})"
    )


def cmd_invite(args: argparse.Namespace) -> int:
    mediator = _running()
    if mediator is None:
        print("no mediator running; start one with `mediator-tui mediator up`", file=sys.stderr)
        return NOT_RUNNING
    try:
        print(mediator.create_invitation(args.kind))
    except MediatorError as err:
        return fail(err)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    mediator = _running()
    if mediator is None:
        print("no mediator running")
        return NOT_RUNNING
    print(f"flavour:      {mediator.flavour.name} ({mediator.runtime_label})")
    print(f"pid:          {mediator.pid}")
    print(f"admin:        {mediator.admin_url}")
    for instance in mediator.more:
        print(
            f"instance {instance.number}:   pid {instance.pgid}, admin {instance.admin_url}, "
            f"ports {instance.ports.http} (http) and {instance.ports.ws} (ws), log {instance.log_path}"
        )
    print(f"endpoints:    {mediator.http_url} {mediator.ws_url}")
    proxy, ports = mediator.proxy, mediator.ports
    if proxy is not None and ports is not None:
        print(
            f"proxy:        {proxy.setting.describe()}, pid {proxy.pgid}, in front of ports {ports.http} (http) and {ports.ws} (ws)"
            + "".join(f", {i.ports.http} and {i.ports.ws} (instance {i.number})" for i in mediator.more)
        )
    print(f"invitation:   {mediator.invitation_url}")
    print(f"log:          {mediator.log_path}")
    print(f"cpu limit:    {_limit(mediator)}")
    if mediator.cpu_limit is not None:
        print(f"throttled:    {_throttled(mediator.pid)}")
    print(f"storage:      {_storage_line(mediator)}")
    try:
        counts = mediator.counts()
    except MediatorError as err:
        return fail(err)
    print(f"connections:  {counts.active_connections} active")
    print(f"mediations:   {counts.granted_mediations} granted")
    print(f"routes:       {counts.keylist_routes} keylist routes")
    return 0


def _limit(mediator: LocalMediator) -> str:
    if mediator.cpu_limit is None:
        return "none"
    return f"{mediator.cpu_limit:g} cores (cgroup {mediator.cgroup})"


def _throttled(pid: int | None) -> str:
    """Its throttling since it started: the share of its CFS periods its limit cut short (mediator_throttled)."""
    throttling = read_throttling(pid) if pid else None
    if throttling is None:
        return "unknown (its cgroup's cpu.stat cannot be read)"
    share = Throttled(throttling.periods, throttling.throttled_periods, throttling.throttled_s).percent
    return (
        f"{share:.1f} % of {throttling.periods} CFS periods ({throttling.throttled_periods}), "
        f"{throttling.throttled_s:.1f} s held back since it started"
    )


def _cores(text: str) -> float | None:
    try:
        return parse_cores(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} {error}") from None


def _duration(text: str) -> float | None:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} {error}") from None


def cmd_down(args: argparse.Namespace) -> int:
    with state.locked():
        mediator = _running()
        if mediator is None:
            print("no mediator running", file=sys.stderr)
            return 0
        try:
            mediator.stop()
        except MediatorError as err:
            return fail(err)
        state.clear()
    print(f"stopped the {mediator.flavour.name} mediator (pid {mediator.pid})", file=sys.stderr)
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the `mediator` command and its subcommands; each sets `func(args) -> exit code`."""
    parser = subparsers.add_parser(
        "mediator",
        help="run a real DIDComm mediator (ACA-Py) on loopback",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="mediator_command", required=True, metavar="COMMAND")
    flavour_help = (
        f"one of {', '.join(flavours.names())}; default: the newest this machine runs "
        "(acapy needs Python 3.13 or 3.12, acapy-legacy 3.11)"
    )

    provision = commands.add_parser("provision", help="install the mediator runtime into the cache")
    provision.add_argument("--flavour", choices=flavours.names(), help=flavour_help)
    provision.add_argument(
        "--proxy", choices=KINDS, default=NONE, help="also install this reverse proxy (nginx: with apt-get, as root)"
    )
    provision.add_argument(
        "--storage",
        choices=[POSTGRES],
        help="postgres: install PostgreSQL's server programs (apt-get, as root) instead of a mediator runtime",
    )
    provision.set_defaults(func=cmd_provision)

    up = commands.add_parser("up", help="start a mediator in the background")
    up.add_argument("--flavour", choices=flavours.names(), help=flavour_help)
    for name in ("http", "ws", "admin"):
        up.add_argument(f"--{name}-port", type=int, help=f"{name} port (default: a free one)")
    up.add_argument(
        "--storage",
        choices=STORAGES,
        help="where its wallet lives: sqlite, or a private PostgreSQL cluster (ACA-Py only); "
        "default: MEDIATOR_STORAGE of the .env, else sqlite",
    )
    up.add_argument(
        "--postgres-max-connections",
        type=int,
        metavar="N",
        help="that PostgreSQL's max_connections; default: MEDIATOR_POSTGRES_MAX_CONNECTIONS, else 100",
    )
    up.add_argument("--ready-timeout", type=float, default=120.0, metavar="SECONDS")
    up.add_argument(
        "--cpu-limit",
        type=_cores,
        metavar="CORES",
        help="run it under a CPU limit, as a Kubernetes pod's (0.8 or 800m); needs a writable cgroup CPU controller",
    )
    up.add_argument(
        "--proxy",
        choices=KINDS,
        default=NONE,
        help="a reverse proxy in front (nginx: websocket upgrades to the ws port, the rest to the http port; "
        "agents reach the mediator through it, the admin API stays direct); default none (MEDIATOR_PROXY)",
    )
    up.add_argument(
        "--proxy-idle-timeout",
        type=_duration,
        default=None,
        metavar="DURATION",
        help="the proxy closes a websocket idle this long, e.g. 30s (MEDIATOR_PROXY_IDLE_TIMEOUT); default 60s",
    )
    up.add_argument(
        "--instances",
        type=int,
        choices=(1, 2),
        default=1,
        help="ACA-Py processes sharing its wallet, taken in turn by the proxy (2 needs --storage postgres and "
        "--proxy nginx); default 1",
    )
    up.set_defaults(func=cmd_up)

    invite = commands.add_parser("invite", help="print a new multi-use invitation URL")
    invite.add_argument(
        "--kind",
        choices=[OOB, CONNECTIONS_V1],
        default=OOB,
        help="oob (default) or c_i (connections/1.0, acapy-legacy only)",
    )
    invite.set_defaults(func=cmd_invite)

    status = commands.add_parser(
        "status", help="flavour, URLs, CPU limit, throttling and counts of the running mediator"
    )
    status.set_defaults(func=cmd_status)

    down = commands.add_parser("down", help="stop the running mediator")
    down.set_defaults(func=cmd_down)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mediator-tui")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["mediator", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
