"""The dashboard: a status line over a grid of panes, all drawn from the latest snapshot."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.tui.keys import RUN_BINDINGS
from mediator_tui.tui.panes.agents import AgentsPane
from mediator_tui.tui.panes.base import SnapshotPane
from mediator_tui.tui.panes.delivery import DeliveryPane
from mediator_tui.tui.panes.latency import LatencyPane
from mediator_tui.tui.panes.mediator import MediatorPane
from mediator_tui.tui.panes.memory import MemoryPane
from mediator_tui.tui.panes.ports import PortsPane
from mediator_tui.tui.panes.requests import RequestsPane
from mediator_tui.tui.panes.status import StatusLine
from mediator_tui.tui.panes.throughput import ThroughputPane

PANES = (ThroughputPane, LatencyPane, RequestsPane, AgentsPane, PortsPane, MemoryPane, MediatorPane, DeliveryPane)


class DashboardScreen(Screen):
    """Panes draw only while this screen is shown and only what is visible when one is maximized."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (200, "-wide")]

    DEFAULT_CSS = """
    DashboardScreen #panes { grid-size: 2 4; grid-columns: 1fr 1fr; grid-rows: 1fr 1fr 1fr 1fr; }
    DashboardScreen.-wide #panes { grid-size: 4 2; grid-columns: 1fr 1fr 1fr 1fr; grid-rows: 1fr 1fr; }
    """

    BINDINGS = [
        *(
            Binding(
                str(n),
                f"focus_pane({n - 1})",
                pane.TITLE,
                show=False,
                id=f"dashboard.focus-{pane.__name__.removesuffix('Pane').lower()}",
            )
            for n, pane in enumerate(PANES, 1)
        ),
        Binding("z", "toggle_maximize", "Zoom", id="dashboard.zoom"),
        *RUN_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__(name="dashboard")
        self._latest: Snapshot | None = None
        self._composed = False

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Grid(id="panes"):
            for pane in PANES:
                yield pane(id=pane.__name__.removesuffix("Pane").lower())
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._composed = True
        self.watch(self, "maximized", self._redraw, init=False)
        self._redraw()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._latest = snapshot
        if self.is_current:
            self._redraw()

    def _redraw(self) -> None:
        if self._latest is None or not self._composed:
            return
        self.query_one(StatusLine).show(self._latest)
        for pane in self.query(SnapshotPane):
            if self.maximized is None or self.maximized is pane:
                pane.show(self._latest)

    def on_screen_resume(self) -> None:
        self._redraw()

    def action_focus_pane(self, index: int) -> None:
        self.query(SnapshotPane)[index].focus()

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif isinstance(self.focused, SnapshotPane):
            self.maximize(self.focused)
        else:
            self.notify(f"Pick a pane first: tab or 1-{len(PANES)}")
