"""Operator scale: how many idle wallets each embedded mediator holds, and what the tool costs at 10,000.

Every run is the tool's own command, as a user runs it (native engine, each wallet pinging every 60-120 s: the
seed's waits, the regime real wallets live in). Two modes:

- **capacity** (the default): `mediator-tui capacity` in the idle regime (docs/capacity.md, "The idle regime":
  steps in thousands, `--hold auto`, each step measured once its agents are onboarded) against each target in
  turn. Per target it prints the wallets held, what broke first, the connections-against-latency curve from
  capacity.csv (TCP/websocket connections the mediator held against ping p50/p95/p99, its CPU and RSS) and what
  the mediator's CPU went to (summary.json's `mediator.cpu_breakdown`: per idle connection, per ping, per
  onboarding, each with its standard error or why it is unknown).
- **hold** (`--hold N`): the headless run with N wallets against one target; once all are onboarded (or
  `--onboard-timeout` passed) it measures for `--hold-for` seconds the tool's own processes, read with psutil by
  pid (the headless process, which polls the master: the tool without its TUI; the master; each worker), then
  stops the run with Ctrl-C's signal and reads its export: wallets onboarded and held, ping p50/p95/p99, the
  mediator's CPU and RSS over the window, the tool's CPU and memory per wallet. With `--population FILE` the
  wallets are saved to FILE (WALLET_POPULATION, docs/large-runs.md), so a second run reconnects them instead of
  onboarding again.

Targets: `acapy` (ACA-Py 1.7.0: it pings every websocket every 3 s), `acapy-hb30` (the same every 30 s; its
`--ws-timeout-interval` raised to 60 s with it, since ACA-Py drops a websocket that receives no frame for that
long, 15 s by default), `acapy-legacy` (aries-cloudagent 0.12.8), `credo` (the Credo mediator, agent/mediator.js).

    python bench/scale.py --dry-run                                    # the plan: settings and commands
    python bench/scale.py --target acapy --target acapy-hb30           # capacity, 1,000 to 10,000 by 1,000
    python bench/scale.py --target credo --start 200 --step 200 --max 2000 --resolution 50
    python bench/scale.py --hold 10000 --target acapy --population scale-wallets.json
    flock /tmp/mediator-tui-tests.lock python bench/scale.py ...       # on a shared host

Loads go to the embedded mediator on 127.0.0.1 only. Every wait is bounded (`--timeout`, `--onboard-timeout`,
`--hold-for`); the bench ends only the process it started, by pid (the tool ends its own children). It prints
a markdown block for bench/README.md ("Operator scale") and keeps the exports and results.json in `--out`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale_report import capacity_markdown, capacity_result, hold_markdown, hold_result  # noqa: E402
from bench.scale_run import HeadlessWatch, ToolSampler, end_process, run_bounded  # noqa: E402
from mediator_tui.common.open_files import raise_open_file_limit  # noqa: E402
from mediator_tui.core.config.envfile import quote_value  # noqa: E402

TARGETS: dict[str, tuple[str, dict[str, str]]] = {
    "acapy": ("ACA-Py 1.7.0, 3 s heartbeat (default)", {"MEDIATOR_FLAVOUR": "acapy"}),
    "acapy-hb30": (
        "ACA-Py 1.7.0, 30 s heartbeat",
        {"MEDIATOR_FLAVOUR": "acapy", "MEDIATOR_ARGS": "--ws-heartbeat-interval 30 --ws-timeout-interval 60"},
    ),
    "acapy-legacy": ("aries-cloudagent 0.12.8", {"MEDIATOR_FLAVOUR": "acapy-legacy"}),
    "credo": ("Credo mediator", {"MEDIATOR_FLAVOUR": "credo"}),
}
# The caller's own settings of these families would change the scenario under the bench.
INHERITED_OUT = ("LOCUST_", "MEDIATION_", "MEDIATOR_", "CAPACITY_", "WALLET_POPULATION", "STORM_", "RECONNECT_")
# docs/capacity.md's idle-regime search: a lost session or a mediator at 90 % of a core breaks a step, beside
# the default levels (ping p95 1 s, failures, onboarding failures and backlog 1 %).
IDLE_SLOS = ("lost_sessions>0", "mediator_cpu>90")
WALLETS_PER_WORKER = 5000  # well within a native worker's memory (14 KiB a wallet) and one core's pongs
RESERVED_FILES = 100  # descriptors a worker keeps for Locust itself (docs/large-runs.md, "Open files")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--target", action="append", choices=tuple(TARGETS), help="repeatable (default: all four)")
    parser.add_argument("--hold", type=int, metavar="N", help="hold mode: N wallets against one target")
    parser.add_argument("--dry-run", action="store_true", help="print the plan (settings, commands) and stop")
    parser.add_argument("--min-wait", type=float, default=60.0, help="LOCUST_MIN_WAIT, s (default 60)")
    parser.add_argument("--max-wait", type=float, default=120.0, help="LOCUST_MAX_WAIT, s (default 120)")
    parser.add_argument("-r", "--spawn-rate", type=float, default=50.0, help="the onboarding gate sets the pace")
    parser.add_argument("--workers", type=int, help=f"default: 2, or one per {WALLETS_PER_WORKER:,} wallets")
    parser.add_argument("--out", type=Path, default=Path("bench-scale"), help="exports and results.json")
    search = parser.add_argument_group("capacity mode")
    search.add_argument("--start", type=int, default=1000)
    search.add_argument("--step", type=int, default=1000)
    search.add_argument("--max", type=int, default=10000)
    search.add_argument("--resolution", type=int, default=250, help="bisect the knee down to N wallets")
    search.add_argument("--settle", default="10s")
    search.add_argument("--slo", action="append", help=f"service level; repeatable (default: {', '.join(IDLE_SLOS)})")
    search.add_argument("--timeout", type=float, default=10800.0, help="seconds one target's search may take")
    hold = parser.add_argument_group("hold mode")
    hold.add_argument("--population", type=Path, help="WALLET_POPULATION: saved by a first run, resumed by the next")
    hold.add_argument("--onboard-timeout", type=float, default=5400.0, help="seconds for every wallet to onboard")
    hold.add_argument("--onboard-stall", type=float, default=600.0, help="seconds without a new agent running")
    hold.add_argument("--hold-for", type=float, default=300.0, help="seconds measured once all are onboarded")
    hold.add_argument("--stop-timeout", type=float, default=180.0, help="seconds for the run to stop and export")
    args = parser.parse_args(argv)
    if args.hold is not None and (args.hold < 1 or len(args.target or ()) > 1):
        parser.error("--hold N: N at least 1, against one --target")
    if not 0 < args.min_wait <= args.max_wait:
        parser.error("--min-wait and --max-wait: 0 < min <= max")
    if args.start < 1 or args.step < 1 or args.max < args.start or args.resolution < 1:
        parser.error("--start, --step, --resolution at least 1 and --max at least --start")
    if args.population is not None and args.hold is None:
        parser.error("--population belongs to hold mode (--hold N)")
    return args


def workers_for(args: argparse.Namespace, wallets: int) -> int:
    return args.workers or max(2, math.ceil(wallets / WALLETS_PER_WORKER))


def settings(args: argparse.Namespace, target: str) -> dict[str, str]:
    scenario = {
        "MEDIATION_URL": "",  # the embedded mediator, on 127.0.0.1
        "AGENT_ENGINE": "native",
        "LOCUST_MIN_WAIT": f"{args.min_wait:g}",
        "LOCUST_MAX_WAIT": f"{args.max_wait:g}",
        "VERIFIED_TIMEOUT_SECONDS": "60",
    }
    if args.population is not None:
        scenario["WALLET_POPULATION"] = str(args.population.resolve())
    return {**scenario, **TARGETS[target][1]}


def env_text(values: dict[str, str]) -> str:
    return "".join(f"{key}={quote_value(value)}\n" for key, value in values.items())


def capacity_command(args: argparse.Namespace, env_file: Path, export: Path) -> list[str]:
    levels = [word for slo in (args.slo or IDLE_SLOS) for word in ("--slo", slo)]
    return [
        *("-m", "mediator_tui", "capacity", "--env", str(env_file), "-f", "locustMediatorPing.py"),
        *("--start", str(args.start), "--step", str(args.step), "--max", str(args.max)),
        *("--hold", "auto", "--settle", args.settle, "--resolution", str(args.resolution)),
        *("-r", f"{args.spawn_rate:g}", "--workers", str(workers_for(args, args.max)), *levels),
        *("--export", str(export)),
    ]


def hold_command(args: argparse.Namespace, env_file: Path, export: Path) -> list[str]:
    # The run's own bound, should the bench die: the tool then stops and exports by itself.
    bound_s = args.onboard_timeout + args.hold_for + args.stop_timeout
    return [
        *("-m", "mediator_tui", "--env", str(env_file), "--headless", "--export", str(export)),
        *("-f", "locustMediatorPing.py", "-u", str(args.hold), "-r", f"{args.spawn_rate:g}"),
        *("--workers", str(workers_for(args, args.hold)), "-t", f"{bound_s:.0f}s"),
    ]


def host_limits(wallets: int, workers: int) -> list[str]:
    """What on this host would cap `wallets` before the mediator does (docs/large-runs.md), as warnings."""
    warnings = []
    files = raise_open_file_limit()  # the tool's children inherit it; its workers and mediator raise it too
    if files < wallets + RESERVED_FILES:
        warnings.append(f"open files: limit {files}, the mediator holds one per wallet ({wallets:,})")
    if files < wallets / workers + RESERVED_FILES:
        warnings.append(f"open files: limit {files}, each worker holds {wallets / workers:,.0f} wallets")
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        return warnings
    if high - low + 1 < wallets:
        warnings.append(f"local ports: {high - low + 1:,} in the ephemeral range, fewer than {wallets:,} wallets")
    return warnings


def child_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(INHERITED_OUT)}
    return {**env, "PYTHONPATH": str(ROOT)}


def plan(args: argparse.Namespace, targets: list[str]) -> list[tuple[str, Path, dict[str, str], list[str]]]:
    """Per target: its folder, its .env's settings and the tool's command line."""
    steps = []
    for target in targets:
        directory = (args.out / (f"hold-{args.hold}-{target}" if args.hold else f"capacity-{target}")).resolve()
        env_file, export = directory / "bench.env", directory / "export"
        build = hold_command if args.hold else capacity_command
        steps.append((target, directory, settings(args, target), [sys.executable, *build(args, env_file, export)]))
    return steps


def print_plan(args: argparse.Namespace, steps: list[tuple[str, Path, dict[str, str], list[str]]]) -> None:
    wallets = args.hold or args.max
    for warning in host_limits(wallets, workers_for(args, wallets)):
        print(f"warning: {warning}")
    for target, directory, values, command in steps:
        print(f"## {target}: {TARGETS[target][0]}")
        print(f"{directory / 'bench.env'}:")
        print("".join(f"    {line}\n" for line in env_text(values).splitlines()), end="")
        print(f"    cd {shlex.quote(str(directory))} && PYTHONPATH={shlex.quote(str(ROOT))} {shlex.join(command)}")
        if args.hold:
            print(
                f"    then: wait until {args.hold:,} agents run (at most {args.onboard_timeout:.0f} s, or "
                f"{args.onboard_stall:.0f} s without a new one), measure "
                f"{args.hold_for:.0f} s, stop with SIGINT (at most {args.stop_timeout:.0f} s to export)"
            )
        else:
            print(f"    at most {args.timeout:.0f} s, then SIGINT (a partial export)")


def run_capacity(args: argparse.Namespace, target: str, directory: Path, command: list[str]) -> dict[str, Any]:
    began = time.monotonic()
    code = run_bounded(command, directory, child_env(), args.timeout, args.stop_timeout)
    result = capacity_result(directory / "export")
    return {"target": target, "label": TARGETS[target][0], "exit": code, "seconds": round(time.monotonic() - began),
            **result}  # fmt: skip


def run_hold(args: argparse.Namespace, target: str, directory: Path, command: list[str]) -> dict[str, Any]:
    watch = HeadlessWatch.start(command, directory, child_env())
    head = {"target": target, "label": TARGETS[target][0], "wallets": args.hold}
    try:
        onboarded_in = watch.wait_for_agents(args.hold, args.onboard_timeout, args.onboard_stall)
        window = ToolSampler(watch.pid).measure(args.hold_for, watch)
    except (RuntimeError, psutil.Error) as error:  # the run ended before its window: nothing was measured
        return {**head, "exit": end_process(watch.process, args.stop_timeout), "error": str(error)}
    finally:
        code = end_process(watch.process, args.stop_timeout)
        watch.close()
    return {**head, "exit": code, "onboarded_in_s": onboarded_in, **hold_result(directory / "export", window)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    targets = args.target or (["acapy"] if args.hold else list(TARGETS))
    steps = plan(args, targets)
    print_plan(args, steps)
    if args.dry_run:
        return 0
    results = []
    for target, directory, values, command in steps:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "bench.env").write_text(env_text(values))
        result = (run_hold if args.hold else run_capacity)(args, target, directory, command)
        results.append(result)
        print(json.dumps(result, default=str), flush=True)
    if not args.hold:
        print(capacity_markdown(results))
    elif "error" in results[0]:
        print(f"no window was measured: {results[0]['error']} (the run's stderr is in {steps[0][1]})")
    else:
        print(hold_markdown(results[0]))
    chosen = {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()}
    (args.out / "results.json").write_text(json.dumps({"settings": chosen, "results": results}, indent=2) + "\n")
    # A verdict is a result, whatever it says: capacity's 3 (the first step broke), headless' 1 (a level failed).
    answered = (0, 1) if args.hold else (0, 3)
    return 0 if all(r["exit"] in answered for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
