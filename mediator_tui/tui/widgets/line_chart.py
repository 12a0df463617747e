"""A braille line chart: cheap to redraw (about a millisecond), unlike a plotext figure.

textual-plotext rebuilds its whole figure on each refresh (40 ms for a 100-column chart on this
machine); several charts a second would cost the TUI most of its CPU budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from rich.text import Text
from textual.widget import Widget

# Bit of each braille dot, indexed [dot_row][dot_column] with row 0 at the top.
_DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BRAILLE_BASE = 0x2800


@dataclass(frozen=True)
class ChartSeries:
    label: str
    values: tuple[float | None, ...]
    color: str


def _nice_ceiling(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten so labels stay readable."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


class LineChart(Widget):
    """ChartSeries drawn right-aligned (newest at the right edge), one data point per dot column."""

    DEFAULT_CSS = """
    LineChart { height: 1fr; min-height: 3; }
    """

    def __init__(self, axis_format: Callable[[float], str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._axis_format = axis_format
        self._series: tuple[ChartSeries, ...] = ()

    def plot(self, series: Sequence[ChartSeries]) -> None:
        self._series = tuple(series)
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        if width < 4 or height < 2 or not self._series:
            return Text()
        legend = self._legend()
        plot_rows = height - 1
        present = [v for s in self._series for v in s.values if v is not None]
        top = _nice_ceiling(max(present, default=0.0))
        labels = [self._axis_format(top), self._axis_format(top / 2), self._axis_format(0)]
        label_width = max(len(label) for label in labels) + 1
        plot_width = max(width - label_width, 1)
        cells = self._raster(plot_width, plot_rows, top)
        out = Text(no_wrap=True, overflow="crop")
        out.append_text(legend)
        label_rows = {0: labels[0], plot_rows // 2: labels[1], plot_rows - 1: labels[2]}
        for row in range(plot_rows):
            out.append("\n")
            out.append(label_rows.get(row, "").rjust(label_width - 1) + "┤", style="dim")
            # One span per run of a colour, not per cell: far fewer spans to style and cut into strips.
            for color, run in groupby(cells[row], key=lambda cell: cell[1] if cell[0] else ""):
                out.append("".join(chr(_BRAILLE_BASE + bits) if bits else " " for bits, _ in run), style=color)
        return out

    def _legend(self) -> Text:
        legend = Text(no_wrap=True, overflow="ellipsis")
        for index, series in enumerate(self._series):
            latest = next((v for v in reversed(series.values) if v is not None), None)
            if index:
                legend.append("  ")
            legend.append("━ ", style=series.color)
            legend.append(f"{series.label} ")
            legend.append("–" if latest is None else self._axis_format(latest), style="bold")
        return legend

    def _raster(self, plot_width: int, plot_rows: int, top: float) -> list[list[tuple[int, str]]]:
        """Later series are drawn over earlier ones where they share a cell."""
        dot_rows = plot_rows * 4
        cells = [[(0, "") for _ in range(plot_width)] for _ in range(plot_rows)]
        dot_columns = plot_width * 2
        for series in self._series:
            points = series.values[-dot_columns:]
            offset = dot_columns - len(points)
            previous: int | None = None
            for index, value in enumerate(points):
                if value is None:
                    previous = None
                    continue
                level = round(min(value / top, 1.0) * (dot_rows - 1))
                dot_y = dot_rows - 1 - level
                low, high = (dot_y, dot_y) if previous is None else sorted((previous, dot_y))
                column = offset + index
                for y in range(low, high + 1):
                    row, col = divmod(y, 4)[0], column // 2
                    bits, _ = cells[row][col]
                    cells[row][col] = (bits | _DOT_BITS[y % 4][column % 2], series.color)
                previous = dot_y
        return cells
