"""Per-request table (cumulative figures, interval rate) and the most frequent failures."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.snapshot import FailureRow, RequestRow, Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import SnapshotPane

_COLUMNS = ("Request", "Count", "Fails", "Req/s", "p50", "p95", "p99", "Max")
_SHOWN_FAILURES = 3


def _cells(row: RequestRow, style: str = "") -> tuple[Text, ...]:
    name = row.name
    figures = (
        fmt.count(row.count),
        fmt.count(row.failures),
        fmt.rate(row.rps),
        fmt.millis(row.p50_ms),
        fmt.millis(row.p95_ms),
        fmt.millis(row.p99_ms),
        fmt.millis(row.max_ms),
    )
    failed_style = "red" if row.failures else ""
    return (
        Text(name, style=style),
        *(
            Text(cell, style=f"{style} {failed_style if i == 1 else ''}".strip(), justify="right")
            for i, cell in enumerate(figures)
        ),
    )


def _failure_line(failure: FailureRow) -> str:
    return printable(f"{fmt.count(failure.occurrences)}× {failure.name}: {failure.error}")


class RequestsPane(SnapshotPane):
    TITLE = "Requests"

    DEFAULT_CSS = """
    RequestsPane DataTable { height: 1fr; }
    RequestsPane #failures { height: auto; max-height: 4; color: $error; }
    """

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(cursor_type="none", zebra_stripes=True, show_cursor=False)
        table.add_columns(*_COLUMNS)
        yield table
        yield Static(id="failures", markup=False)

    def select(self, snapshot: Snapshot):
        return snapshot.requests, snapshot.total, snapshot.failures

    def draw(self, part) -> None:
        requests, total, failures = part
        table = self.query_one(DataTable)
        table.clear()
        for row in requests:
            table.add_row(*_cells(row))
        table.add_row(*_cells(total, "bold"))
        worst = sorted(failures, key=lambda f: f.occurrences, reverse=True)[:_SHOWN_FAILURES]
        self.query_one("#failures", Static).update("\n".join(_failure_line(f) for f in worst))
