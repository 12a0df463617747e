"""The report's charts drawn with plotext for a terminal (charts.txt)."""

from __future__ import annotations

import threading

import plotext

from mediator_tui.core.export.charts import Chart

WIDTH, HEIGHT = 100, 20
# Without colour, lines must differ by their marks.
MARKERS = ("•", "x", "+", "o", "*")

_plotext_lock = threading.Lock()  # plotext draws on one global figure


def render(chart: Chart) -> str:
    if chart.empty:
        return f"{chart.title} ({chart.unit}): no data\n"
    with _plotext_lock:
        plotext.clear_figure()
        plotext.plot_size(WIDTH, HEIGHT)
        plotext.theme("clear")
        for index, line in enumerate(chart.lines):
            if line.points:
                xs, ys = zip(*line.points, strict=True)
                plotext.plot(list(xs), list(ys), label=line.label, marker=MARKERS[index % len(MARKERS)])
        plotext.title(f"{chart.title} ({chart.unit})")
        plotext.xlabel(chart.x_label or "seconds since start")
        text = plotext.uncolorize(plotext.build())
        plotext.clear_figure()
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def render_all(charts: list[Chart]) -> str:
    return "\n".join(render(chart) for chart in charts)
