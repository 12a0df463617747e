"""A comparison as a table: what the terminal prints and what compare.html and the TUI view lay out."""

from __future__ import annotations

from collections.abc import Sequence

from mediator_tui.common.byte_size import byte_size
from mediator_tui.core.compare.bootstrap import CONFIDENCE, Change
from mediator_tui.core.compare.gates import GateResult
from mediator_tui.core.compare.verdicts import Comparison, EndpointResult, FigureResult

HEADER = ("figure", "base", "candidate", "change", f"{CONFIDENCE:.0%} interval", "verdict")


def amount(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "B":
        return byte_size(value)
    if unit == "":
        return f"{value:.4g}"
    return f"{value:,.1f} {unit}" if abs(value) < 100 else f"{value:,.0f} {unit}"


def _signed(value: float, unit: str) -> str:
    return ("+" if value >= 0 else "-") + amount(abs(value), unit)


def change_text(change: Change | None, unit: str) -> tuple[str, str]:
    """(the change, its interval): relative when the base is not 0, else in the figure's unit."""
    if change is None:
        return "–", "–"
    if change.relative is not None and change.relative_low is not None and change.relative_high is not None:
        return f"{change.relative:+.1%}", f"[{change.relative_low:+.1%}, {change.relative_high:+.1%}]"
    return _signed(
        change.absolute, unit
    ), f"[{_signed(change.absolute_low, unit)}, {_signed(change.absolute_high, unit)}]"


def figure_row(figure: FigureResult) -> tuple[str, str, str, str, str, str]:
    change, interval = change_text(figure.change, figure.unit)
    base = amount(figure.change.base, figure.unit) if figure.change else "–"
    candidate = amount(figure.change.candidate, figure.unit) if figure.change else "–"
    verdict = f"{figure.verdict} ({figure.why})" if figure.why else figure.verdict
    return figure.label, base, candidate, change, interval, verdict


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def sections(comparison: Comparison) -> list[tuple[str, list[FigureResult]]]:
    """(title, figures) in the order every view shows them: all requests, each endpoint, the mediator's."""
    groups: list[EndpointResult] = [comparison.total] if comparison.total else []
    found = [(f"requests: {e.key}", list(e.figures)) for e in (*groups, *comparison.endpoints)]
    if comparison.run_figures:
        found.append(("mediator and run", list(comparison.run_figures)))
    return found


def render_text(comparison: Comparison, gates: Sequence[GateResult] = ()) -> str:
    lines = [f"base:      {', '.join(comparison.base)}", f"candidate: {', '.join(comparison.candidate)}"]
    if comparison.refused:
        lines += ["", "NOT COMPARABLE:", *(f"  {reason}" for reason in comparison.refused)]
    if comparison.differences:
        lines += ["", "what differs:", *_table([("  " + k, b, c) for k, b, c in comparison.differences])]
    for title, figures in sections(comparison):
        lines += ["", title, *_table([HEADER, *(figure_row(f) for f in figures)])]
    if gates:
        lines += ["", "gates:"]
        lines += [f"  {gate.describe()}" for gate in gates]
    if comparison.notes:
        lines += ["", *(f"note: {note}" for note in comparison.notes)]
    return "\n".join(lines) + "\n"
