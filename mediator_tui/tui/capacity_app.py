"""`mediator-tui capacity --tui`: the capacity search with its view on screen instead of lines on stdout.

The search itself is the capacity session (`mediator_tui/core/capacity_session.py`), run on a worker thread;
it hands this app what it finds through a `CapacityFeed` (the plan, each judged step, the verdict and
every line it would have printed). Quitting while it runs interrupts it as Ctrl-C interrupts the
headless search: the load stops, the export of what was measured is written, then the app ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.app import App

from mediator_tui.core.capacity.levels import StepJudgement
from mediator_tui.core.capacity.search import Verdict
from mediator_tui.core.headless import Interrupted
from mediator_tui.tui.screens.capacity import CapacityScreen


class CapacityFeed:
    """What the search thread calls; each call is handed to the UI thread."""

    def __init__(self, app: CapacityApp):
        self._app = app
        self._stop = threading.Event()
        self._partial = ""

    def plan(self, line: str) -> None:
        self._app.call_from_thread(self._app.view.show_plan, line)

    def step(self, judgement: StepJudgement) -> None:
        self._app.call_from_thread(self._app.view.add_step, judgement)

    def verdict(self, verdict: Verdict) -> None:
        self._app.call_from_thread(self._app.view.show_verdict, verdict)

    def write(self, text: str) -> None:
        """The lines the headless search prints (a text stream's write)."""
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._app.call_from_thread(self._app.view.say, line)

    def flush(self) -> None:
        pass

    def sleep(self, seconds: float) -> None:
        """The driver's wait between polls; raises `Interrupted` once the user quits."""
        if self._stop.wait(seconds):
            raise Interrupted("quit")

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


class CapacityApp(App[int]):
    TITLE = "mediator-tui capacity"

    def __init__(self, run_search: Callable[[CapacityFeed], int]) -> None:
        super().__init__()
        self._run_search = run_search
        self.feed = CapacityFeed(self)
        self.view = CapacityScreen()
        self._code: int | None = None

    def on_mount(self) -> None:
        self.push_screen(self.view)
        self.run_worker(self._search, thread=True, group="search", exit_on_error=False)

    def _search(self) -> None:
        code = self._run_search(self.feed)
        self.call_from_thread(self._searched, code)

    def _searched(self, code: int) -> None:
        self._code = code
        if self.feed.stopping:
            self.exit(code)
        else:
            self.notify("The search is over: q quits", timeout=10)

    @property
    def searching(self) -> bool:
        return self._code is None

    async def action_quit(self) -> None:
        if not self.searching:
            self.exit(self._code)
        elif not self.feed.stopping:
            self.feed.stop()
            self.notify("Stopping the search: the load ends and what was measured is exported…", timeout=30)
