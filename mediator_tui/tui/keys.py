"""Keys that steer the run, shared by the screens that show it (dashboard and logs).

They are not app-wide so that on the configuration screen a letter typed on a focused
selector can never start or stop a test.
"""

from __future__ import annotations

from textual.binding import Binding

RUN_BINDINGS = [
    Binding("s", "app.start", "Start"),
    Binding("x", "app.stop", "Stop"),
    Binding("u", "app.change_load", "Users"),
    Binding("r", "app.reset_stats", "Reset"),
    Binding("e", "app.export", "Export"),
    Binding("c", "app.show_config", "Config"),
    Binding("l", "app.show_logs", "Logs"),
    Binding("d", "app.show_dashboard", "Dashboard", show=False),
    Binding("q", "app.quit", "Quit"),
]
