"""The capacity verdict of each embedded mediator on this host, side by side: `mediator-tui capacity` run
against ACA-Py 1.7.0, ACA-Py 0.12.8 (aries-cloudagent), the Credo mediator, ACA-Py 1.7.0 under a CPU limit
as a pod's (`acapy-limited`: `--cpu-limit`, default 0.8 core, BC Wallet's 800m) and ACA-Py 1.7.0 in the
production shape (`acapy-production`: its wallet on PostgreSQL, behind nginx; `--instances 2` runs two ACA-Py
processes behind it), on the same scenario, ramp and service levels, each `--runs` times, and whether the runs
of one mediator agree.

    .venv/bin/python bench/capacity.py                              # all five, twice each
    .venv/bin/python bench/capacity.py --flavour credo --runs 1
    .venv/bin/python bench/capacity.py --flavour acapy-limited --cpu-limit 0.5
    .venv/bin/python bench/capacity.py --flavour acapy-production --instances 2
    flock /tmp/mediator-tui-tests.lock .venv/bin/python bench/capacity.py   # on a shared host

Every run is the tool's own command (mediator, master, 2 workers of native agents pinging every 0.2-0.5 s,
the default levels: ping p95 at most 1 s, failures and onboarding failures at most 1 %), with its export
in `--out`. Per run it prints the verdict and the mediator's state at both bounds, as summary.json has them:
at the knee (`held_*`: the last step held, the most Locust users within the levels) and past it (`broken_*`:
the first broken step): the mediator's CPU, its CPU time per request (per ping: the scenario only pings),
its memory per connection (the slope of RSS over connections during the run, up to that step) and the
busiest worker's CPU. The runs of one mediator agree when each compared figure is within `--tolerance` of
their mean. Figures of record are in bench/README.md ("Capacity").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLAVOURS = {
    "acapy": "ACA-Py 1.7.0",
    "acapy-legacy": "aries-cloudagent 0.12.8",
    "credo": "Credo mediator",
    "acapy-limited": "ACA-Py 1.7.0 under a CPU limit",
    "acapy-production": "ACA-Py 1.7.0 on PostgreSQL behind nginx",
}
LIMITED = "acapy-limited"  # the embedded `acapy` flavour, with MEDIATOR_CPU_LIMIT
# The reference deployment's shape (docs/mediators.md, "ACA-Py on PostgreSQL", "Behind a reverse proxy").
PRODUCTION = "acapy-production"
SCENARIO = {
    "MEDIATION_URL": "",
    "AGENT_ENGINE": "native",
    "LOCUST_MIN_WAIT": "0.2",
    "LOCUST_MAX_WAIT": "0.5",
    "VERIFIED_TIMEOUT_SECONDS": "20",
}
# The figures two runs must agree on: the verdict's, and the mediator's state at the knee (summary.json's
# `capacity.at_held`). The first broken step's are printed, not compared: they measure how far past its
# core that step pushed the mediator (bench/README.md, "Capacity").
COMPARED = ("users_held", "users_broken", "held_mediator_cpu_ms_per_request", "held_mediator_bytes_per_connection")
STATE = (
    "users",
    "agents",
    "ping_p95_ms",
    "rps",
    "mediator_cpu_percent",
    "mediator_rss_bytes",
    "mediator_connections",
    "mediator_cpu_ms_per_request",
    "mediator_bytes_per_connection",
    "mediator_throttled_percent",
    "worker_cpu_max_percent",
)
RUN_TIMEOUT_S = 900


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--flavour",
        action="append",
        choices=tuple(FLAVOURS),
        help="mediator to measure; repeatable (default: all five)",
    )
    parser.add_argument(
        "--cpu-limit", default="0.8", metavar="CORES", help="acapy-limited's CPU limit (0.8, or 800m; default 0.8)"
    )
    parser.add_argument(
        "--instances", type=int, choices=(1, 2), default=1, help="acapy-production's ACA-Py processes (default 1)"
    )
    parser.add_argument("--runs", type=int, default=2, help="runs per mediator")
    parser.add_argument("--start", type=int, default=20)
    parser.add_argument("--step", type=int, default=40)
    parser.add_argument("--max", type=int, default=300)
    parser.add_argument("--hold", default="15s")
    parser.add_argument("--settle", default="5s")
    parser.add_argument("--resolution", type=int, default=10, help="bisect the knee down to this many Locust users")
    parser.add_argument("-r", "--spawn-rate", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tolerance", type=float, default=0.20, help="how far a run may be from the mean")
    parser.add_argument("--out", type=Path, default=Path("bench-capacity"), help="exports and results.json")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def target_settings(args: argparse.Namespace, flavour: str) -> dict[str, str]:
    """The settings that make a target other than a plain embedded flavour."""
    if flavour == LIMITED:
        return {"MEDIATOR_FLAVOUR": "acapy", "MEDIATOR_CPU_LIMIT": args.cpu_limit}
    if flavour == PRODUCTION:
        return {
            "MEDIATOR_FLAVOUR": "acapy",
            "MEDIATOR_STORAGE": "postgres",
            "MEDIATOR_PROXY": "nginx",
            "MEDIATOR_INSTANCES": str(args.instances),
        }
    return {}


def run_once(args: argparse.Namespace, flavour: str, number: int) -> dict:
    directory = args.out / f"{flavour}-{number}"
    directory.mkdir(parents=True, exist_ok=True)
    env_file = directory / "bench.env"
    settings = {**SCENARIO, "MEDIATOR_FLAVOUR": flavour, **target_settings(args, flavour)}
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "MEDIATION_", "CAPACITY_", "MEDIATOR_"))}
    command = [
        sys.executable,
        "-m",
        "mediator_tui",
        "capacity",
        "--env",
        str(env_file),
        "-f",
        "locustMediatorPing.py",
        "--start",
        str(args.start),
        "--step",
        str(args.step),
        "--max",
        str(args.max),
        "--hold",
        args.hold,
        "--settle",
        args.settle,
        "--resolution",
        str(args.resolution),
        "-r",
        f"{args.spawn_rate:g}",
        "--workers",
        str(args.workers),
        "--export",
        str(directory / "export"),
    ]
    began = time.monotonic()
    with open(directory / "stdout", "w") as stdout:
        code = subprocess.run(
            command,
            cwd=directory,
            env={**env, "PYTHONPATH": str(REPO)},
            stdout=stdout,
            stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT_S,
        ).returncode
    summary = directory / "export" / "summary.json"
    capacity = json.loads(summary.read_text())["capacity"] if summary.exists() else {}
    held, broken = capacity.get("at_held") or {}, capacity.get("at_broken") or {}
    return {
        "flavour": flavour,
        "run": number,
        "exit": code,
        "seconds": round(time.monotonic() - began),
        "summary": capacity.get("summary", (directory / "stdout").read_text()[-500:]),
        "users_held": capacity.get("users_held"),
        "users_broken": capacity.get("users_broken"),
        "agents_held": capacity.get("agents_held"),
        "agents_broken": capacity.get("agents_broken"),
        "broke_first": capacity.get("broke_first"),
        "broke_on": capacity.get("broke_on"),
        "limited_by": capacity.get("limited_by"),
        **{f"held_{key}": held.get(key) for key in STATE},
        **{f"broken_{key}": broken.get(key) for key in STATE},
    }


def spread(values: list) -> float | None:
    """The largest distance of a run from the runs' mean, as a fraction of the mean."""
    known = [v for v in values if v is not None]
    if len(known) < 2 or len(known) != len(values):
        return None
    mean = statistics.fmean(known)
    return max(abs(v - mean) for v in known) / mean if mean else None


def agreement(results: list[dict], tolerance: float) -> dict:
    figures = {key: spread([r[key] for r in results]) for key in COMPARED}
    return {"spread": figures, "agree": all(s is not None and s <= tolerance for s in figures.values())}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    flavours = args.flavour or list(FLAVOURS)
    results = {}
    for flavour in flavours:
        runs = []
        for number in range(1, args.runs + 1):
            result = run_once(args, flavour, number)
            runs.append(result)
            print(json.dumps(result), flush=True)
        results[flavour] = {"runs": runs, **(agreement(runs, args.tolerance) if len(runs) > 1 else {})}
        if len(runs) > 1:
            print(json.dumps({"flavour": flavour, **agreement(runs, args.tolerance)}), flush=True)
    settings = {key: value for key, value in vars(args).items() if key not in ("flavour", "out")}
    (args.out / "results.json").write_text(json.dumps({"settings": settings, **results}, indent=2) + "\n")
    return 0 if all(r.get("agree", True) for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
