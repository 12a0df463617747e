"""Keys that steer the run, shared by the screens that show it (dashboard and logs).

They are not app-wide so that on the configuration screen a letter typed on a focused
selector can never start or stop a test. Each binding has an id (`run.start`, ...) that a keymap
(`App.set_keymap`) rebinds on both screens at once.
"""

from __future__ import annotations

from textual.binding import Binding

RUN_BINDINGS = [
    Binding("s", "app.start", "Start", id="run.start"),
    Binding("x", "app.stop", "Stop", id="run.stop"),
    Binding("u", "app.change_load", "Users", id="run.change-load"),
    Binding("r", "app.reset_stats", "Reset", id="run.reset-stats"),
    Binding("e", "app.export", "Export", id="run.export"),
    Binding("c", "app.show_config", "Config", id="run.config"),
    Binding("l", "app.show_logs", "Logs", id="run.logs"),
    Binding("w", "app.show_workers", "Workers", id="run.workers"),
    Binding("d", "app.show_dashboard", "Dashboard", show=False, id="run.dashboard"),
    Binding("q", "app.quit", "Quit", id="run.quit"),
]
