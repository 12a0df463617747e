"""Soak: many native agents pinging the local mediator for a long time, through the tool's own run core.

    .venv/bin/python bench/soak.py                       # 300 agents, 10 minutes, 2 workers, ACA-Py 1.7.0
    .venv/bin/python bench/soak.py -u 50 --duration 120  # a quick look

Starts what a headless run starts (embedded mediator, Locust master and workers, via `LocalRun`),
samples every few seconds the RSS of each worker, of this process (the tool: poller, metric store,
log tail) and of the mediator, and prints the growth per hour of each, fitted over the steady part
(after the ramp-up and a settling minute), with the request and failure counts. Not run in CI;
figures of record are in bench/README.md ("Soak"). Bounded: at most MAX_USERS users and
MAX_DURATION_S seconds; everything it started ends with it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediator_tui.core.config import load_config
from mediator_tui.core.run.controller import RunLoad
from mediator_tui.core.run.local import LocalRun, LocalSpec

MAX_USERS = 5000
MAX_DURATION_S = 6 * 3600
MIB = 1024 * 1024
SETTLE_S = 60.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-u", "--users", type=int, default=300, help=f"native agents (at most {MAX_USERS})")
    parser.add_argument("-r", "--spawn-rate", type=float, default=5.0, help="new agents per second")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load after the ramp-up")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-wait", type=float, default=5.0, help="seconds between one agent's pings, at least")
    parser.add_argument("--max-wait", type=float, default=10.0)
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between memory samples")
    parser.add_argument("--flavour", default="acapy", help="embedded mediator flavour")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line too")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        parser.error(f"--users must be 1..{MAX_USERS}")
    if not 0 < args.duration <= MAX_DURATION_S:
        parser.error(f"--duration must be in (0, {MAX_DURATION_S}]")
    return args


def rss(pid: int) -> int | None:
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return None


def slope_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (t seconds, bytes) in MiB per hour."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return cov / var * 3600 / MIB


def make_run(args: argparse.Namespace, folder: Path) -> LocalRun:
    env_file = folder / "soak.env"
    env_file.write_text(
        f"MEDIATION_URL=\nMEDIATOR_FLAVOUR={args.flavour}\nAGENT_ENGINE=native\n"
        f"LOCUST_MIN_WAIT={args.min_wait}\nLOCUST_MAX_WAIT={args.max_wait}\n"
        "VERIFIED_TIMEOUT_SECONDS=30\n"
    )
    config = load_config(env_file, environ={})
    locustfile = Path(__file__).resolve().parent.parent / "locustfiles" / "locustMediatorPing.py"
    spec = LocalSpec(
        locustfiles=(locustfile,),
        workers=args.workers,
        mediator_flavour=args.flavour,
        env=config.child_environment(),
        run_dir=folder / "run",
    )
    return LocalRun(spec, RunLoad(args.users, args.spawn_rate), redact=config.redactor())


def soak(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="mediator-tui-soak-") as folder:
        run = make_run(args, Path(folder))
        try:
            return _measure(run, args)
        finally:
            run.shutdown()


def _measure(run: LocalRun, args: argparse.Namespace) -> dict:
    run.prepare()
    workers = {c.name: c.pid for c in run.group.children if c.name.startswith("worker-")}
    mediator_pid = run.mediator.pid
    run.start()
    started = time.monotonic()
    ramp_s = args.users / args.spawn_rate
    end = started + ramp_s + args.duration
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in [*workers, "tool", "mediator"]}
    last_line = 0.0
    while time.monotonic() < end:
        now = time.monotonic() - started
        for name, pid in [*workers.items(), ("tool", psutil.Process().pid), ("mediator", mediator_pid)]:
            value = rss(pid)
            if value is not None:
                samples[name].append((now, value))
        if run.failure():
            raise SystemExit(f"the run broke: {run.failure()}")
        if now - last_line >= 60:
            last_line = now
            snapshot = run.snapshot()
            print(
                f"[{now:5.0f}s] users {snapshot.status.users} agents {snapshot.agents.running} "
                f"requests {snapshot.total.count} failures {snapshot.total.failures} "
                + " ".join(f"{n} {s[-1][1] / MIB:.0f}MiB" for n, s in samples.items() if s),
                file=sys.stderr,
            )
        time.sleep(args.sample_every)
    run.final_poll()
    snapshot = run.snapshot()
    steady_from = ramp_s + SETTLE_S
    result = {
        "users": args.users,
        "workers": args.workers,
        "duration_s": args.duration,
        "ramp_s": round(ramp_s, 1),
        "requests": snapshot.total.count,
        "failures": snapshot.total.failures,
        "agents_crashed": snapshot.agents.crashed,
        "agents_running": snapshot.agents.running,
        "p50_ms": snapshot.total.p50_ms,
        "p95_ms": snapshot.total.p95_ms,
        "failure_kinds": {f"{f.name}: {f.error[:120]}": f.occurrences for f in snapshot.failures},
        "rss": {},
    }
    for name, points in samples.items():
        steady = [p for p in points if p[0] >= steady_from]
        result["rss"][name] = {
            "start_mib": round(steady[0][1] / MIB, 1) if steady else None,
            "end_mib": round(points[-1][1] / MIB, 1) if points else None,
            "slope_mib_per_h": None if (s := slope_per_hour(steady)) is None else round(s, 2),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = soak(args)
    print(
        f"{result['users']} native agents, {result['workers']} workers, {result['duration_s']:.0f} s after a "
        f"{result['ramp_s']:.0f} s ramp-up"
    )
    print(
        f"requests {result['requests']}, failures {result['failures']}, agents crashed {result['agents_crashed']}, "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms"
    )
    for kind, count in result["failure_kinds"].items():
        print(f"  {count}x {kind}")
    print("RSS over the steady part (growth per hour, least squares):")
    for name, figures in result["rss"].items():
        print(f"  {name:<10} {figures['start_mib']} -> {figures['end_mib']} MiB, {figures['slope_mib_per_h']} MiB/h")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
