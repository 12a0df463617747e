"""The braille chart: newest point at the right edge, a readable axis, unknown points left blank."""

from __future__ import annotations

import asyncio

from textual.app import App

from mediator_tui.tui import format as fmt
from mediator_tui.tui.widgets.line_chart import ChartSeries, LineChart


def _render(series: list[ChartSeries], size=(20, 5)) -> list[str]:
    class ChartApp(App):
        def compose(self):
            yield LineChart(fmt.axis)

    lines: list[str] = []

    async def main() -> None:
        app = ChartApp()
        async with app.run_test(size=size) as pilot:
            chart = app.query_one(LineChart)
            chart.plot(series)
            await pilot.pause()
            lines.extend(str(chart.render()).split("\n"))

    asyncio.run(main())
    return lines


def test_legend_axis_and_newest_point_at_the_right():
    legend, top, *_middle, bottom = _render([ChartSeries("req/s", (0.0, 0.0, 17.0), "green")])
    assert legend.startswith("━ req/s 17")
    assert top.startswith("20┤")  # 17 rounds up to a readable 20
    assert bottom.startswith(" 0┤")
    assert top.rstrip()[-1] != " "  # the last point (17 of 20) is in the top row, at the right edge
    assert all(c == " " or 0x2800 <= ord(c) <= 0x28FF for c in top.split("┤")[1])  # braille dots only


def test_unknown_points_are_blank_not_zero():
    *_, bottom = _render([ChartSeries("p95", (None, None, None), "yellow")])
    assert bottom.split("┤")[1].strip() == ""
    legend = _render([ChartSeries("p95", (None,), "yellow")])[0]
    assert "p95 –" in legend
