"""`mediator-tui compare --tui ...`: a comparison in a terminal view, one table per section, the verdicts
coloured; the same rows as the headless table (core/compare/table.py). `q` quits."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from mediator_tui.core.compare.gates import GateResult
from mediator_tui.core.compare.table import HEADER, figure_row, sections
from mediator_tui.core.compare.verdicts import BETTER, NOT_COMPARABLE, WORSE, Comparison

_STYLES = {WORSE: "bold red", BETTER: "green", NOT_COMPARABLE: "dim"}


def _verdict(text: str) -> Text:
    style = next((s for verdict, s in _STYLES.items() if text.startswith(verdict)), "")
    return Text(text, style=style)


class CompareApp(App[None]):
    TITLE = "mediator-tui: comparison"
    BINDINGS = [Binding("q", "quit", "Quit", id="compare.quit")]
    CSS = "DataTable { height: auto; margin-bottom: 1; } .title { text-style: bold; margin-top: 1; }"

    def __init__(self, comparison: Comparison, gates: Sequence[GateResult] = ()):
        super().__init__()
        self.comparison = comparison
        self.gates = tuple(gates)

    def compose(self) -> ComposeResult:
        c = self.comparison
        yield Header()
        with VerticalScroll():
            yield Static(f"base: {', '.join(c.base)}\ncandidate: {', '.join(c.candidate)}", markup=False)
            if c.refused:
                yield Static(Text("NOT COMPARABLE\n" + "\n".join(c.refused), style="bold red"))
            if c.differences:
                yield Static("what differs", classes="title")
                yield self._table(("setting", "base", "candidate"), [(k, b, v) for k, b, v in c.differences])
            for title, figures in sections(c):
                yield Static(title, classes="title", markup=False)
                yield self._table(HEADER, [figure_row(f) for f in figures], verdicts=True)
            if self.gates:
                yield Static("gates", classes="title")
                rows = [(g.expr, "FAILED" if g.failed else "holds", g.why) for g in self.gates]
                yield self._table(("gate", "result", "why"), rows)
            for note in c.notes:
                yield Static(f"note: {note}", markup=False)
        yield Footer()

    @staticmethod
    def _table(header: Sequence[str], rows: Sequence[Sequence[str]], verdicts: bool = False) -> DataTable[object]:
        table: DataTable[object] = DataTable(zebra_stripes=True, cursor_type="row")
        table.add_columns(*header)
        for row in rows:
            table.add_row(*row[:-1], _verdict(row[-1]) if verdicts else row[-1])
        return table


def show_comparison(comparison: Comparison, gates: Sequence[GateResult] = ()) -> None:
    CompareApp(comparison, gates).run()
