"""`mediator-tui compare BASE CANDIDATE`, or `--base A1 A2 --candidate B1 B2` for repeated runs: two exported
runs (or groups of them) side by side, per figure better, worse, the same within the noise or not comparable.

Exit status: 0 when no gate fails (or none is given), 3 when a `--fail-on` gate fails beyond the noise, 2 when
the runs are not comparable (a different scenario or different waits), an export folder cannot be read, or the
command line is wrong. The figures and the statistics are core/compare/'s; docs/compare.md explains them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mediator_tui.core.compare.bootstrap import REPLICATES
from mediator_tui.core.compare.gates import GateResult, judge, parse_gates
from mediator_tui.core.compare.runs import ExportError, RunRecord, load_run
from mediator_tui.core.compare.table import render_text
from mediator_tui.core.compare.verdicts import NOISE_FLOOR, Comparison, compare
from mediator_tui.core.compare.writers import write_comparison
from mediator_tui.core.thresholds import ThresholdError

EXIT_OK, EXIT_USAGE, EXIT_GATE = 0, 2, 3
# Below this the interval's ends, the 2.5th and 97.5th percentiles, rest on a handful of resamples each.
MIN_REPLICATES = 100


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "compare",
        help="compare two exported runs (or two groups of repeated runs): better, worse or the same within noise",
        description="Compare the export folders of two runs, BASE and CANDIDATE, or two groups of repeated runs "
        "(--base A1 A2 --candidate B1 B2): per endpoint and for the mediator's figures, the change and an "
        "interval for it from the runs themselves, and a verdict. Exit 0: no gate failed; 3: a --fail-on gate "
        "failed beyond the noise; 2: the runs are not comparable, an export cannot be read, or a usage error.",
    )
    parser.add_argument("folders", nargs="*", metavar="FOLDER", help="BASE CANDIDATE: two export folders")
    parser.add_argument("--base", nargs="+", default=[], metavar="FOLDER", help="the base's runs (repeated runs)")
    parser.add_argument("--candidate", nargs="+", default=[], metavar="FOLDER", help="the candidate's runs")
    parser.add_argument(
        "--fail-on",
        dest="gates",
        action="append",
        default=[],
        metavar="EXPR",
        help="gate, e.g. 'p95(ping_mediator)>+10%%', 'mediator_cpu_per_request>+5%%', 'wallets_held<-10%%'; "
        "exit 3 when the change passes it beyond the noise",
    )
    parser.add_argument("--output", metavar="DIR", help="write compare.json and compare.html here")
    parser.add_argument(
        "--noise-floor",
        default=f"{NOISE_FLOOR:.0%}",
        metavar="PERCENT",
        help=f"smallest change called better or worse (default {NOISE_FLOOR * 100:.0f}%%: a host's run-to-run spread)",
    )
    parser.add_argument("--seed", type=int, default=0, help="the resampling's seed (same seed, same interval)")
    parser.add_argument(
        "--replicates",
        default=str(REPLICATES),
        metavar="COUNT",
        help=f"resamples per figure (default {REPLICATES}, at least {MIN_REPLICATES}): fewer are quicker, "
        "their interval's ends less steady",
    )
    parser.add_argument("--tui", action="store_true", help="show the comparison in a terminal view")
    parser.set_defaults(func=run_compare)


def _usage(message: str) -> int:
    print(f"mediator-tui compare: {message}", file=sys.stderr)
    return EXIT_USAGE


def _sides(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """ValueError when the folders are given both ways, or one side has none."""
    if args.folders and (args.base or args.candidate):
        raise ValueError("give BASE CANDIDATE, or --base and --candidate, not both")
    if args.folders:
        if len(args.folders) != 2:
            raise ValueError(f"give two export folders, BASE and CANDIDATE (got {len(args.folders)})")
        return [args.folders[0]], [args.folders[1]]
    if not args.base or not args.candidate:
        raise ValueError("give BASE CANDIDATE, or --base FOLDER... and --candidate FOLDER...")
    return list(args.base), list(args.candidate)


def parse_fraction(text: str) -> float:
    """`10%` or `0.1`; ValueError naming the text."""
    cleaned = text.strip()
    try:
        value = float(cleaned[:-1]) / 100 if cleaned.endswith("%") else float(cleaned)
    except ValueError:
        raise ValueError(f"--noise-floor {text!r}: write a percentage, e.g. 10%") from None
    if not 0 <= value < 10:
        raise ValueError(f"--noise-floor {text!r}: must be 0% or more")
    return value


def parse_replicates(text: str) -> int:
    """A whole number of at least MIN_REPLICATES; ValueError naming the text."""
    try:
        count = int(text.strip())
    except ValueError:
        raise ValueError(f"--replicates {text!r}: write a whole number, e.g. {REPLICATES}") from None
    if count < MIN_REPLICATES:
        raise ValueError(f"--replicates {text!r}: must be at least {MIN_REPLICATES}")
    return count


def exit_status(comparison: Comparison, gates: list[GateResult]) -> int:
    if not comparison.comparable:
        return EXIT_USAGE
    return EXIT_GATE if any(g.failed for g in gates) else EXIT_OK


def run_compare(args: argparse.Namespace) -> int:
    try:
        base_folders, candidate_folders = _sides(args)
        thresholds = parse_gates(args.gates)
        noise_floor = parse_fraction(args.noise_floor)
        replicates = parse_replicates(args.replicates)
        output = Path(args.output) if args.output else None
        if output is not None and output.exists() and not output.is_dir():
            raise ValueError(f"--output {output}: exists and is not a folder")
        base: list[RunRecord] = [load_run(folder) for folder in base_folders]
        candidate: list[RunRecord] = [load_run(folder) for folder in candidate_folders]
    except (ExportError, ThresholdError, ValueError) as error:
        return _usage(str(error))
    comparison = compare(base, candidate, seed=args.seed, noise_floor=noise_floor, replicates=replicates)
    gates = [judge(t, comparison) for t in thresholds] if comparison.comparable else []
    status = exit_status(comparison, gates)
    if args.tui:
        from mediator_tui.tui.compare_app import show_comparison

        show_comparison(comparison, gates)
    else:
        sys.stdout.write(render_text(comparison, gates))
    if output is not None:
        try:
            written = write_comparison(output, comparison, (base, candidate), gates, status)
        except OSError as error:
            return _usage(f"--output {output}: cannot write ({error})")
        print(f"written: {', '.join(str(p) for p in written)}", file=sys.stderr)
    if not comparison.comparable:
        print("mediator-tui compare: the runs are not comparable (exit 2)", file=sys.stderr)
    return status
