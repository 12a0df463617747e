"""Line charts as inline SVG, so report.html needs no script and no network."""

from __future__ import annotations

import math
from html import escape

from mediator_tui.core.export.charts import Chart

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 40
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from at or below `low` to at or above `high`."""
    if high <= low:
        high = low + 1.0
    raw_step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    ticks = [math.floor(low / step) * step]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def clock_label(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def render(chart: Chart) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(chart.title)}">',
        f'<text x="{LEFT}" y="20" font-size="15" font-weight="bold">{escape(chart.title)} '
        f'<tspan font-weight="normal" fill="#666">({escape(chart.unit)})</tspan></text>',
    ]
    all_points = [p for line in chart.lines for p in line.points]
    if not all_points:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#888">no data</text></svg>')
        return "".join(parts)
    x_max = max(max(x for x, _ in all_points), 1.0)
    y_ticks = nice_ticks(0.0, max(max(y for _, y in all_points), 0.0))
    y_max = y_ticks[-1] or 1.0

    def sx(x: float) -> float:
        return LEFT + x / x_max * plot_w

    def sy(y: float) -> float:
        return TOP + plot_h - y / y_max * plot_h

    for tick in y_ticks:
        y = sy(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{_number(tick)}</text>'
        )
    for tick in nice_ticks(0.0, x_max, 6):
        if tick > x_max:
            continue
        x = sx(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" stroke="#444"/>'
            f'<text x="{x:.1f}" y="{TOP + plot_h + 17}" font-size="11" text-anchor="middle">'
            f"{_number(tick) if chart.x_label else clock_label(tick)}</text>"
        )
    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>')
    legend_x = LEFT + 8
    for index, line in enumerate(chart.lines):
        colour = COLOURS[index % len(COLOURS)]
        if line.points:
            coords = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in line.points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{coords}"/>')
        parts.append(
            f'<rect x="{legend_x}" y="{TOP + 6}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{TOP + 15}" font-size="11">{escape(line.label)}</text>'
        )
        legend_x += 24 + 7 * len(line.label)
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 4}" font-size="11" text-anchor="middle" '
        f'fill="#666">{escape(chart.x_label or "time since start (m:ss)")}</text></svg>'
    )
    return "".join(parts)
