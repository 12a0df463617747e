"""Workers by host: which hosts run the load, what each one's workers hold, and which went missing and why."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.tui.keys import RUN_BINDINGS
from mediator_tui.tui.panes.hosts import HostsView
from mediator_tui.tui.panes.status import StatusLine


class WorkersScreen(Screen):
    """Draws only while shown, like the dashboard."""

    DEFAULT_CSS = """
    WorkersScreen > VerticalScroll { border: round $primary 50%; padding: 0 1; }
    """

    BINDINGS = [Binding("escape", "app.show_dashboard", "Back", id="workers.back"), *RUN_BINDINGS]

    def __init__(self) -> None:
        super().__init__(name="workers")
        self._latest: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with VerticalScroll() as hosts:
            hosts.border_title = "Workers by host"
            yield HostsView()
        yield Footer(compact=True, show_command_palette=False)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._latest = snapshot
        if self.is_current:
            self._redraw()

    def on_screen_resume(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if self._latest is not None:
            self.query_one(StatusLine).show(self._latest)
            self.query_one(HostsView).show(self._latest)
