"""The delivery ledger: what became of the messages sent to agents, and the latency of those delivered."""

from __future__ import annotations

from rich.text import Text

from mediator_tui.core.metrics.snapshot import DeliverySnapshot, Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import SummaryChartPane, unknown
from mediator_tui.tui.widgets.line_chart import ChartSeries


def _summary(delivery: DeliverySnapshot) -> Text:
    # Short lines, so a pane a quarter of an 80-column screen wide wraps none of them.
    text = Text()
    text.append(f"sent {fmt.count(delivery.sent)}  delivered {fmt.count(delivery.delivered)}  ", style="bold")
    text.append(f"lost {fmt.count(delivery.lost)}", style="bold red" if delivery.lost else "bold")
    text.append(f"\nin flight {fmt.count(delivery.in_flight)}")
    for separator, label, value in (
        ("  ", "late", delivery.late),
        ("  ", "duplicated", delivery.duplicated),
        ("\n", "out of order", delivery.out_of_order),
    ):
        text.append(f"{separator}{label} ")
        text.append(fmt.count(value), style="bold yellow" if value else "bold")
    text.append(
        f"\np50 {fmt.millis(delivery.p50_ms)}  p95 {fmt.millis(delivery.p95_ms)}  p99 {fmt.millis(delivery.p99_ms)}"
    )
    return text


class DeliveryPane(SummaryChartPane):
    TITLE = "Delivery"

    def select(self, snapshot: Snapshot):
        return snapshot.delivery, snapshot.status.connected

    def draw(self, part) -> None:
        delivery, connected = part
        if not delivery.known:
            self.show_figures(unknown("delivery", connected), ())
            return
        points = delivery.points
        self.show_figures(
            _summary(delivery),
            (
                ChartSeries("delivered/s", tuple(p.delivered_in_s for p in points), "green"),
                ChartSeries("lost/s", tuple(p.lost_in_s for p in points), "red"),
            ),
        )
