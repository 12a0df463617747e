"""The Textual app: screens, keys, the command palette, and the one timer that pulls snapshots."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.tui.control import RunControl
from mediator_tui.tui.screens.config import ConfigScreen
from mediator_tui.tui.screens.dashboard import DashboardScreen
from mediator_tui.tui.screens.help import HelpScreen
from mediator_tui.tui.screens.logs import LogsScreen
from mediator_tui.tui.screens.modals import ConfirmScreen, LoadChoice, LoadScreen
from mediator_tui.tui.screens.workers import WorkersScreen

ScreenT = TypeVar("ScreenT", bound=Screen)

# Runner states in which quitting would cut a test short.
LIVE_STATES = frozenset({"spawning", "running"})


class MediatorTuiApp(App[int]):
    TITLE = "mediator-tui"

    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    # What each action is called in the command palette.
    COMMAND_TITLES = {
        "start": ("Start the test", "Start a run with the saved configuration"),
        "stop": ("Stop the test", "Stop all users; processes stay for the next start"),
        "change_load": ("Change users and spawn rate", "Re-scale the running test"),
        "reset_stats": ("Reset statistics", "Zero the request statistics and agent counters"),
        "export": ("Export now", "Write summary, CSVs and report as the headless mode does"),
        "show_dashboard": ("Dashboard", "Live panes"),
        "show_config": ("Configuration", "Edit the .env settings"),
        "show_logs": ("Logs", "Master, workers, agents and mediator output"),
        "show_workers": ("Workers by host", "Each host's workers, agents, CPU, open files and ports; missing ones"),
        "help": ("Help", "Keys and what the screens show"),
    }

    def __init__(
        self,
        control: RunControl,
        config_path: Path,
        *,
        snapshot_every_s: float = 1.0,
        logs_every_s: float = 0.25,
        startup_problems: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self._startup_problems = list(startup_problems)
        self.control = control
        self.config_path = config_path
        self.latest: Snapshot | None = None
        self._snapshot_every_s = snapshot_every_s
        self._logs_every_s = logs_every_s
        self._busy: str | None = None

    def on_mount(self) -> None:
        self.install_screen(DashboardScreen(), "dashboard")
        self.install_screen(ConfigScreen(self.config_path), "config")
        self.install_screen(LogsScreen(), "logs")
        self.install_screen(WorkersScreen(), "workers")
        self.push_screen("dashboard")
        if self._startup_problems:
            self.switch_screen("config")
            self.notify(
                "The configuration has problems; fix them here and save, then start (s on the dashboard)",
                severity="error",
                timeout=15,
            )
        self.call_after_refresh(self.pull_snapshot)
        self.set_interval(self._snapshot_every_s, self.pull_snapshot)
        self.set_interval(self._logs_every_s, self.pull_logs)

    # -- data ------------------------------------------------------------------------------------

    def pull_snapshot(self) -> None:
        # The interval timers can still fire while the app closes and removes its screens' widgets.
        if not self.is_running:
            return
        self.latest = self.control.snapshot()
        self.dashboard.show_snapshot(self.latest)
        self.logs.show_snapshot(self.latest)
        self._installed("workers", WorkersScreen).show_snapshot(self.latest)

    def pull_logs(self) -> None:
        if not self.is_running:
            return
        lines = self.control.drain_logs()
        if lines:
            self.logs.add_lines(lines)

    def _installed(self, name: str, kind: type[ScreenT]) -> ScreenT:
        screen = self.get_screen(name)
        assert isinstance(screen, kind)
        return screen

    @property
    def dashboard(self) -> DashboardScreen:
        return self._installed("dashboard", DashboardScreen)

    @property
    def logs(self) -> LogsScreen:
        return self._installed("logs", LogsScreen)

    @property
    def config(self) -> ConfigScreen:
        return self._installed("config", ConfigScreen)

    @property
    def starting(self) -> bool:
        """A start is under way (mediator, master and workers coming up)."""
        return self._busy == "Starting"

    @property
    def run_is_live(self) -> bool:
        return self.starting or (self.latest is not None and self.latest.status.state in LIVE_STATES)

    # -- screens ---------------------------------------------------------------------------------

    def _show(self, name: str) -> None:
        if isinstance(self.screen, ModalScreen) or self.screen is self.get_screen(name):
            return
        self.switch_screen(name)

    def action_show_dashboard(self) -> None:
        self._show("dashboard")

    def action_show_config(self) -> None:
        self._show("config")

    def action_show_logs(self) -> None:
        self._show("logs")

    def action_show_workers(self) -> None:
        self._show("workers")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self._key_list()))

    def _key_list(self) -> list[tuple[str, str]]:
        owners: Iterable[type[App | Screen]] = (DashboardScreen, ConfigScreen, type(self))
        keys = [
            (
                binding.key_display or binding.key,
                self.COMMAND_TITLES.get(binding.action.removeprefix("app."), ("", binding.description))[1],
            )
            for owner in owners
            for binding in owner.BINDINGS
            if isinstance(binding, Binding)
        ]
        return [*keys, ("tab / shift+tab", "Next / previous pane or field"), ("ctrl+p", "Command palette")]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for action, (title, help_text) in self.COMMAND_TITLES.items():
            yield SystemCommand(title, help_text, partial(self.run_action, action))
        yield from super().get_system_commands(screen)

    # -- commands to the run core ----------------------------------------------------------------

    def _command(
        self,
        doing: str,
        call: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
        always: bool = False,
    ) -> None:
        """Run a blocking core call off the UI thread, one at a time; `always` runs `then` on failure too."""
        if self._busy and not always:
            self.notify(f"Still {self._busy.lower()}…", severity="warning")
            return
        self._busy = doing
        self.notify(f"{doing}…", timeout=2)
        self.run_worker(
            partial(self._call_in_thread, doing, call, args, then, always),
            thread=True,
            group="commands",
            exit_on_error=False,
        )

    def _call_in_thread(
        self, doing: str, call: Callable[..., Any], args: tuple, then: Callable[[Any], None] | None, always: bool
    ) -> None:
        try:
            result = call(*args)
        except Exception as exc:  # any failure of the core is shown, never fatal to the UI
            self.call_from_thread(self._command_failed, doing, exc, then if always else None)
        else:
            self.call_from_thread(self._command_done, result, then)

    def _command_done(self, result: Any, then: Callable[[Any], None] | None) -> None:
        self._busy = None
        self.pull_snapshot()
        if then is not None:
            then(result)

    def _command_failed(self, doing: str, error: Exception, then: Callable[[Any], None] | None) -> None:
        self._busy = None
        self.notify(
            f"{doing} failed: {printable(self.control.redact(str(error)))}", severity="error", timeout=10, markup=False
        )
        if then is not None:
            then(None)

    def action_start(self) -> None:
        if self.run_is_live:
            self.notify("A test is already running: u changes its users", severity="warning")
            return
        if self.config.unsaved_changes():
            self.notify("The configuration has unsaved changes: starting with the saved file", severity="warning")
        self._command("Starting", self.control.start, then=lambda _: self._started())
        self.pull_snapshot()  # the status line says so at once

    def _started(self) -> None:
        join = self.control.join_command()
        if join:
            self.notify(f"Started. Workers on another host join with:\n{join}", timeout=30, markup=False)
        else:
            self.notify("Started")

    def action_stop(self) -> None:
        self._command("Stopping", self.control.stop, then=lambda _: self.notify("Stopped"))

    def action_change_load(self) -> None:
        status = self.latest.status if self.latest else None
        users = status.target_users if status and status.target_users is not None else status.users if status else None
        dialog = LoadScreen(
            "Change the users and spawn rate of the running test", users, status.spawn_rate if status else None
        )
        self.push_screen(dialog, self._rescale)

    def _rescale(self, load: LoadChoice | None) -> None:
        if load is not None:
            self._command(
                f"Re-scaling to {load.users} users",
                self.control.rescale,
                load.users,
                load.spawn_rate,
                then=lambda _: self.notify(f"Asked for {load.users} users at {load.spawn_rate:g}/s"),
            )

    def action_reset_stats(self) -> None:
        self._command("Resetting statistics", self.control.reset_stats, then=lambda _: self.notify("Statistics reset"))

    def action_export(self) -> None:
        self._command(
            "Exporting", self.control.export_now, then=lambda path: self.notify(f"Exported to {path}", markup=False)
        )

    async def action_quit(self) -> None:
        if isinstance(self.screen, ConfirmScreen):
            return
        if self.run_is_live and self.latest is not None and self.latest.status.mode == "local":
            self.push_screen(
                ConfirmScreen(
                    "A test is running. Stop it, end every process this app started, and quit?", yes="Stop and quit"
                ),
                self._quit_if,
            )
        else:
            self._quit_if(True)

    def _quit_if(self, confirmed: bool | None) -> None:
        if confirmed:
            self._command("Shutting down", self.control.shutdown, then=lambda _: self.exit(0), always=True)
