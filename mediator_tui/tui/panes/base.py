"""What every dashboard pane shares: draw only when its part of the snapshot changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.widgets.line_chart import ChartSeries, LineChart

_NOTHING_DRAWN = object()


def unknown(what: str, connected: bool) -> str:
    """Why a pane has no figures: no master to read yet, or a master that does not serve them."""
    if not connected:
        return f"no {what} figures yet: s starts a run; an attached master shows them once it answers"
    return f"unknown: the master serves no {what} figures (not a mediator-tui locustfile?)"


class DrawsOnChange:
    """Mixin: subclasses pick their part of a snapshot (`select`) and draw it (`draw`).

    Parts are frozen snapshot pieces or tuples of them, so equality means "nothing to redraw".
    """

    _drawn: Any = _NOTHING_DRAWN

    def select(self, snapshot: Snapshot) -> Any:
        raise NotImplementedError

    def draw(self, part: Any) -> None:
        raise NotImplementedError

    def show(self, snapshot: Snapshot) -> bool:
        """Draw `snapshot` if this widget's part of it changed; True when it redrew."""
        part = self.select(snapshot)
        if part == self._drawn:
            return False
        self._drawn = part
        self.draw(part)
        return True


class SnapshotPane(DrawsOnChange, Vertical):
    """A bordered dashboard pane; focusable so that it can be maximized from the keyboard."""

    can_focus = True
    ALLOW_MAXIMIZE = True
    TITLE = ""

    DEFAULT_CSS = """
    SnapshotPane { border: round $primary 50%; height: 1fr; padding: 0 1; }
    SnapshotPane:focus, SnapshotPane:focus-within { border: round $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = self.TITLE


class SummaryChartPane(SnapshotPane):
    """A few lines of figures over a chart of their history."""

    DEFAULT_CSS = """
    SummaryChartPane > .summary { height: auto; }
    SummaryChartPane > LineChart { min-height: 0; }
    """

    def axis_format(self, value: float) -> str:
        return fmt.axis(value)

    def compose(self) -> ComposeResult:
        yield Static(classes="summary")
        yield LineChart(self.axis_format)

    def show_figures(self, summary: Text | str, series: Sequence[ChartSeries]) -> None:
        self.query_one(".summary", Static).update(summary)
        self.query_one(LineChart).plot(series)


class RequestHistoryPane(SnapshotPane):
    """A chart of some fields of the aggregated request series, one line per field."""

    LINES: tuple[tuple[str, str, str], ...] = ()  # label, SeriesPoint field, colour

    def axis_format(self, value: float) -> str:
        return fmt.axis(value)

    def subtitle_part(self, snapshot: Snapshot) -> Any:
        """What the subtitle shows, taken from the snapshot."""
        raise NotImplementedError

    def subtitle(self, part: Any) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield LineChart(self.axis_format)

    def select(self, snapshot: Snapshot):
        series = snapshot.series()
        return (series.points if series else (), self.subtitle_part(snapshot))

    def draw(self, part) -> None:
        points, subtitle_part = part
        self.query_one(LineChart).plot(
            [
                ChartSeries(label, tuple(getattr(p, field) for p in points), colour)
                for label, field, colour in self.LINES
            ]
        )
        self.border_subtitle = self.subtitle(subtitle_part)
