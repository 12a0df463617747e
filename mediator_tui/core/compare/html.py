"""compare.html: the comparison on one page, inline CSS and SVG, no script (the run report's helpers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape

from mediator_tui.core.compare.gates import GateResult
from mediator_tui.core.compare.runs import EndpointRun, RunRecord
from mediator_tui.core.compare.table import HEADER, figure_row, sections
from mediator_tui.core.compare.verdicts import BETTER, NOT_COMPARABLE, WORSE, Comparison
from mediator_tui.core.export import svg
from mediator_tui.core.export.charts import Chart, Line
from mediator_tui.core.export.html import STYLE

_VERDICT_CLASS = {WORSE: "bad", BETTER: "ok", NOT_COMPARABLE: "na"}
_STYLE = STYLE + ".na{color:#888}\n"


def _rows(rows: Iterable[Sequence[str]], verdict_class: Callable[[str], str] = lambda _v: "") -> str:
    out = []
    for row in rows:
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in row[:-1])
        out.append(f'<tr>{cells}<td class="{verdict_class(row[-1])}">{escape(row[-1])}</td></tr>')
    return "".join(out)


def _verdict_class(text: str) -> str:
    return next((css for verdict, css in _VERDICT_CLASS.items() if text.startswith(verdict)), "")


def _figures_table(comparison: Comparison) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADER)
    parts = []
    for title, figures in sections(comparison):
        parts.append(f"<h3>{escape(title)}</h3><table><tr>{head}</tr>")
        parts.append(_rows((figure_row(f) for f in figures), _verdict_class) + "</table>")
    return "".join(parts)


def _series_line(label: str, points: Iterable[tuple[float, float | None]]) -> Line:
    known = [(t, v) for t, v in points if v is not None]
    start = known[0][0] if known else 0.0
    return Line(label, tuple((t - start, v) for t, v in known))


def _labelled(runs: tuple[Sequence[RunRecord], Sequence[RunRecord]]) -> list[tuple[str, RunRecord]]:
    """Each run with its side's name, numbered when a side has several."""
    return [
        (f"{side} {i + 1}" if len(group) > 1 else side, run)
        for side, group in zip(("base", "candidate"), runs, strict=True)
        for i, run in enumerate(group)
    ]


def _distribution(label: str, endpoint: EndpointRun) -> Line:
    """What share of the requests took at most x ms, from the run's response-time histogram."""
    total = sum(endpoint.response_times.values())
    seen, points = 0, []
    for ms in sorted(endpoint.response_times):
        seen += endpoint.response_times[ms]
        points.append((ms, 100.0 * seen / total))
    return Line(label, tuple(points))


def comparison_charts(runs: tuple[Sequence[RunRecord], Sequence[RunRecord]]) -> list[Chart]:
    labelled = _labelled(runs)
    charts = [
        Chart(
            "p95 of all requests, per second",
            "ms",
            tuple(_series_line(label, ((s.t, s.p95_ms) for s in r.total.seconds)) for label, r in labelled),
        ),
        Chart(
            "mediator CPU",
            "% of one core",
            tuple(_series_line(label, ((m.t, m.cpu_percent) for m in r.mediator)) for label, r in labelled),
        ),
    ]
    keys = dict.fromkeys(e.key for _, r in labelled for e in r.endpoints if e.response_times)
    for key in keys:
        lines = tuple(
            _distribution(label, e) for label, r in labelled for e in r.endpoints if e.key == key and e.response_times
        )
        charts.append(Chart(f"latency distribution: {key}", "% of requests at or below", lines, "response time (ms)"))
    return [chart for chart in charts if not chart.empty]


def compare_html(
    comparison: Comparison, runs: tuple[Sequence[RunRecord], Sequence[RunRecord]], gates: Sequence[GateResult]
) -> str:
    refused = "".join(f"<li>{escape(r)}</li>" for r in comparison.refused)
    differences = _rows(comparison.differences)
    gate_rows = _rows(
        ((g.expr, "FAILED" if g.failed else "holds", g.why) for g in gates),
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in comparison.notes)
    charts = "" if comparison.refused else "".join(svg.render(c) for c in comparison_charts(runs))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mediator-tui comparison</title>
<style>{_STYLE}</style></head><body>
<h1>Comparison of runs</h1>
<table><tr><th>base</th><td>{escape(", ".join(comparison.base))}</td></tr>
<tr><th>candidate</th><td>{escape(", ".join(comparison.candidate))}</td></tr></table>
{f'<h2 class="bad">Not comparable</h2><ul>{refused}</ul>' if refused else ""}
<h2>What differs</h2>
{f"<table><tr><th>setting</th><th>base</th><th>candidate</th></tr>{differences}</table>" if differences else "<p>nothing</p>"}
{f"<h2>Gates</h2><table><tr><th>gate</th><th>result</th><th>why</th></tr>{gate_rows}</table>" if gates else ""}
<h2>Figures</h2>
{_figures_table(comparison) if not comparison.refused else "<p>none: the runs are not comparable</p>"}
<h2>Charts</h2>
<div class="charts">{charts}</div>
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>
"""
