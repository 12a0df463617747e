"""Port pool of listening agents: a gauge of ports in use and their trend."""

from __future__ import annotations

from rich.text import Text

from mediator_tui.core.metrics.snapshot import PortsSnapshot, Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import SummaryChartPane, unknown
from mediator_tui.tui.widgets.line_chart import ChartSeries

_GAUGE_WIDTH = 16


def _summary(ports: PortsSnapshot) -> Text:
    fraction = ports.in_use / ports.size if ports.size else None
    text = Text()
    text.append(fmt.bar(fraction, _GAUGE_WIDTH), style="red" if fraction and fraction > 0.9 else "cyan")
    text.append(f" {fmt.count(ports.in_use)} / {fmt.count(ports.size)} in use\n", style="bold")
    text.append(f"highest {fmt.count(ports.in_use_max)}  refused ")
    text.append(fmt.count(ports.refused), style="bold red" if ports.refused else "bold")
    text.append(f"  trend {ports.trend_per_s:+.1f}/s")
    return text


class PortsPane(SummaryChartPane):
    TITLE = "Port pool"

    def select(self, snapshot: Snapshot):
        return snapshot.ports, tuple(point.ports_in_use for point in snapshot.resources), snapshot.status.connected

    def draw(self, part) -> None:
        ports, in_use_history, connected = part
        if not ports.known:
            self.show_figures(unknown("port", connected), ())
            return
        self.show_figures(_summary(ports), (ChartSeries("in use", in_use_history, "cyan"),))
