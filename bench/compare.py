"""The three embedded mediators compared pairwise on this host: each run `--runs` times (headless, the same
ping scenario and load), then `mediator-tui compare --base ... --candidate ...` for every pair, and which
differences are real here (beyond the noise) and which are the host's.

    .venv/bin/python bench/compare.py                                  # all three, twice each
    .venv/bin/python bench/compare.py --flavour acapy --flavour credo --runs 1 -t 20s
    flock /tmp/mediator-tui-tests.lock .venv/bin/python bench/compare.py   # on a shared host

Every run is the tool's own headless command (the embedded mediator, a master and `--workers` workers of
native agents pinging every 0.2-0.5 s), exported into `--out`/FLAVOUR-N. Every pair's comparison goes to
`--out`/BASE-vs-CANDIDATE (compare.json, compare.html); this prints per pair the figures whose verdict is
better or worse, and writes them all to results.json. Figures of record are in bench/README.md ("Compare").
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

# The capacity bench's mediators and scenario (run as a script, this folder is on the path): the two benches
# measure the same runs.
from capacity import FLAVOURS, REPO, SCENARIO

RUN_TIMEOUT_S = 600
# The embedded flavours as they are (the capacity bench's limited and production targets are shapes of `acapy`
# that this bench does not set up).
EMBEDDED = ("acapy", "acapy-legacy", "credo")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flavour", action="append", choices=EMBEDDED, help="repeatable (default: all three)")
    parser.add_argument("--runs", type=int, default=2, help="runs per mediator")
    parser.add_argument("-u", "--users", type=int, default=20)
    parser.add_argument("-t", "--run-time", default="60s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench-compare"), help="exports, comparisons, results.json")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if len(args.flavour or EMBEDDED) < 2:
        parser.error("give at least two flavours to compare")
    return args


def _environment() -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "MEDIATION_", "MEDIATOR_"))}
    return {**kept, "PYTHONPATH": str(REPO)}


def run_once(args: argparse.Namespace, flavour: str, number: int) -> Path:
    """One headless run; its export folder (the run's output beside it, in `log`)."""
    directory = args.out / f"{flavour}-{number}"
    directory.mkdir(parents=True, exist_ok=True)
    env_file = directory / "bench.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in {**SCENARIO, "MEDIATOR_FLAVOUR": flavour}.items()))
    command = [
        *(sys.executable, "-m", "mediator_tui", "--env", str(env_file), "--headless"),
        *("-f", "locustMediatorPing.py", "-u", str(args.users), "-r", str(args.users), "-t", args.run_time),
        *("--workers", str(args.workers), "--export", str(directory / "export")),
    ]
    with open(directory / "log", "w") as log:
        code = subprocess.run(
            command, cwd=directory, env=_environment(), stdout=log, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT_S
        ).returncode
    print(json.dumps({"flavour": flavour, "run": number, "exit": code}), flush=True)
    return directory / "export"


def compare_pair(args: argparse.Namespace, base: str, candidate: str, exports: dict[str, list[Path]]) -> dict:
    """`mediator-tui compare` of two flavours' runs; the figures it found better or worse."""
    folder = args.out / f"{base}-vs-{candidate}"
    command = [
        *(sys.executable, "-m", "mediator_tui", "compare"),
        *("--base", *map(str, exports[base]), "--candidate", *map(str, exports[candidate])),
        *("--output", str(folder)),
    ]
    result = subprocess.run(command, env=_environment(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    compared = folder / "compare.json"
    if not compared.exists():
        return {"base": base, "candidate": candidate, "exit": result.returncode, "error": result.stderr[-500:]}
    body = json.loads(compared.read_text())
    figures = [{"endpoint": r["name"], **f} for r in body["requests"] for f in r["figures"]] + [
        {"endpoint": None, **f} for f in body["mediator"]
    ]
    real = [
        {key: f[key] for key in ("endpoint", "figure", "base", "candidate", "change", "interval", "verdict")}
        for f in figures
        if f["verdict"] in ("better", "worse")
    ]
    return {
        "base": FLAVOURS[base],
        "candidate": FLAVOURS[candidate],
        "exit": result.returncode,
        "refused": body["refused"],
        "beyond_noise": real,
        "same_within_noise": sum(f["verdict"] == "same within noise" for f in figures),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    flavours = args.flavour or list(EMBEDDED)
    exports: dict[str, list[Path]] = {f: [] for f in flavours}
    # Round by round (each mediator once, then again): a drift of the host's load spreads over every mediator.
    for number in range(1, args.runs + 1):
        for flavour in flavours:
            exports[flavour].append(run_once(args, flavour, number))
    pairs = [compare_pair(args, base, candidate, exports) for base, candidate in itertools.combinations(flavours, 2)]
    for pair in pairs:
        print(json.dumps(pair), flush=True)
    settings = {key: value for key, value in vars(args).items() if key not in ("flavour", "out")}
    (args.out / "results.json").write_text(json.dumps({"settings": settings, "pairs": pairs}, indent=2) + "\n")
    return 0 if all(p["exit"] == 0 for p in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
