"""Help: what the screens show and every key, read from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "mediator-tui load-tests a DIDComm mediator: each Locust user runs its scenario's agents "
    "(one or two), each agent a wallet at the mediator."
)

SCREENS = [
    (
        "Dashboard",
        "Requests/s and failures/s, latency percentiles per second, a table per request, agents "
        "(running/target, crashes with their stderr), the port pool and memory. Tab or 1-6 picks "
        "a pane; z zooms it, z again returns.",
    ),
    (
        "Config",
        "The .env as a form. Problems show in red and block saving; saving keeps the file's "
        "comments. Changes apply to the next start.",
    ),
    ("Logs", "Master, workers, agents (crash output) and the local mediator."),
    (
        "Workers",
        "Workers by host: each host's agents, CPU (100 % per busy core), open files and local ports; a missing "
        "worker with its last report and why it likely went (CPU near a core, out of descriptors or ports).",
    ),
    ("Attached", "With --attach URL: the same panes for someone else's master; quitting never stops it."),
]


def _grid(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for left, right in rows:
        table.add_row(left, right)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96; max-width: 100%; height: auto; max-height: 100%;
                                  border: thick $accent; background: $surface; padding: 0 1; }
    HelpScreen .help-block { margin: 1 0 0 0; }
    """

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self._key_rows = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(INTRO, style="bold"))
            yield Static(_grid(SCREENS), classes="help-block")
            yield Static(_grid(self._key_rows), classes="help-block")
