"""Logs of the master, the workers, the agents (crash output) and the local mediator.

Lines arrive in batches (the app drains them about every 250 ms); the log in view gets one write
per batch, and only while this screen is shown. Everything is bounded: the logs and what waits for them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, RichLog, TabbedContent, TabPane

from mediator_tui.core.metrics.snapshot import CrashEvent, Snapshot
from mediator_tui.core.run.logs import LogLine
from mediator_tui.tui import format as fmt
from mediator_tui.tui.keys import RUN_BINDINGS
from mediator_tui.tui.panes.status import StatusLine

SOURCES = ("master", "workers", "agents", "mediator")
MAX_LINES = 2000


def source_tab(source: str) -> str:
    """Where a line from `source` is shown; the tool's own lines go with the master's."""
    for tab in SOURCES:
        if source.startswith(tab.rstrip("s")):
            return tab
    return "master"


def crash_lines(crash: CrashEvent) -> list[str]:
    head = f"{fmt.clock(crash.ts)} {crash.worker_id} {crash.user}: {crash.reason}"
    return [head, *(f"    {line}" for line in crash.stderr_tail.splitlines())]


class LogsScreen(Screen):
    BINDINGS = [Binding("escape", "app.show_dashboard", "Back", id="logs.back"), *RUN_BINDINGS]

    def __init__(self) -> None:
        super().__init__(name="logs")
        self._waiting: dict[str, deque[str]] = {tab: deque(maxlen=MAX_LINES) for tab in SOURCES}
        self._newest_crash_ts = float("-inf")
        self._latest: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with TabbedContent():
            for tab in SOURCES:
                with TabPane(tab.capitalize(), id=f"tab-{tab}"):
                    yield RichLog(id=f"log-{tab}", max_lines=MAX_LINES, wrap=False, markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def add_lines(self, lines: Iterable[LogLine]) -> None:
        for line in lines:
            self._waiting[source_tab(line.source)].append(line.text)
        if self.is_current:
            self._flush()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        fresh = [c for c in snapshot.agents.crash_log if c.ts > self._newest_crash_ts]
        if fresh:
            self._newest_crash_ts = max(c.ts for c in fresh)
            self.add_lines(LogLine("agent", text) for crash in fresh for text in crash_lines(crash))
        self._latest = snapshot
        if self.is_current:
            self.query_one(StatusLine).show(snapshot)

    def on_screen_resume(self) -> None:
        self._flush()
        if self._latest is not None:
            self.query_one(StatusLine).show(self._latest)

    def on_tabbed_content_tab_activated(self, _: TabbedContent.TabActivated) -> None:
        self._flush()

    def _flush(self) -> None:
        """Write what waits for the visible log only: a hidden log would queue it unbounded."""
        tab = self.query_one(TabbedContent).active.removeprefix("tab-")
        waiting = self._waiting.get(tab)
        if waiting:
            self.query_one(f"#log-{tab}", RichLog).write(Text("\n".join(waiting)))
            waiting.clear()
