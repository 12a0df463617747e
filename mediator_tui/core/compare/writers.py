"""compare.json and compare.html, written side by side, each atomically."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mediator_tui.core.atomic_file import write_text_atomic
from mediator_tui.core.compare.bootstrap import CONFIDENCE, Change
from mediator_tui.core.compare.gates import GateResult
from mediator_tui.core.compare.html import compare_html
from mediator_tui.core.compare.runs import RunRecord
from mediator_tui.core.compare.verdicts import Comparison, FigureResult
from mediator_tui.core.export.tables import finite_only

COMPARE_JSON, COMPARE_HTML = "compare.json", "compare.html"
COMPARE_VERSION = 1


def _change_fields(change: Change | None) -> dict[str, Any]:
    if change is None:
        return {
            "base": None,
            "candidate": None,
            "change": None,
            "interval": None,
            "change_abs": None,
            "interval_abs": None,
        }
    return {
        "base": change.base,
        "candidate": change.candidate,
        "change": change.relative,
        "interval": [change.relative_low, change.relative_high] if change.relative is not None else None,
        "change_abs": change.absolute,
        "interval_abs": [change.absolute_low, change.absolute_high],
    }


def _figure_fields(figure: FigureResult) -> dict[str, Any]:
    return {
        "figure": figure.metric,
        "label": figure.label,
        "unit": figure.unit,
        "better": figure.better,
        **_change_fields(figure.change),
        "verdict": figure.verdict,
        **({"why": figure.why} if figure.why else {}),
    }


def comparison_json(comparison: Comparison, gates: Sequence[GateResult], exit_status: int) -> str:
    """compare.json: changes are fractions of the base (0.12 = +12 %), `_abs` ones in the figure's unit."""
    body = {
        "version": COMPARE_VERSION,
        "base": list(comparison.base),
        "candidate": list(comparison.candidate),
        "comparable": comparison.comparable,
        "refused": list(comparison.refused),
        "differences": [{"setting": k, "base": b, "candidate": c} for k, b, c in comparison.differences],
        "statistics": {
            "confidence": CONFIDENCE,
            "noise_floor": comparison.noise_floor,
            "replicates": comparison.replicates,
            "seed": comparison.seed,
        },
        "requests": [
            {"type": e.type, "name": e.name, "figures": [_figure_fields(f) for f in e.figures]}
            for e in ([comparison.total] if comparison.total else []) + list(comparison.endpoints)
        ],
        "mediator": [_figure_fields(f) for f in comparison.run_figures],
        "gates": [g.as_dict() for g in gates],
        "notes": list(comparison.notes),
        "exit_status": exit_status,
    }
    return json.dumps(finite_only(body), indent=2, allow_nan=False) + "\n"


def write_comparison(
    directory: str | Path,
    comparison: Comparison,
    runs: tuple[Sequence[RunRecord], Sequence[RunRecord]],
    gates: Sequence[GateResult],
    exit_status: int,
) -> list[Path]:
    """compare.json and compare.html in `directory`, each whole or not at all."""
    directory = Path(directory)
    return [
        write_text_atomic(directory / COMPARE_JSON, comparison_json(comparison, gates, exit_status)),
        write_text_atomic(directory / COMPARE_HTML, compare_html(comparison, runs, gates)),
    ]
