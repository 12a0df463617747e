"""One line saying what is running where: mode, master, state, users, workers, elapsed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.host_view import HostView
from mediator_tui.core.metrics.snapshot import RunStatus, Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import DrawsOnChange

_STATE_STYLES = {
    "running": "bold green",
    "spawning": "bold yellow",
    "starting": "bold yellow",
    "idle": "bold",
    "stopped": "bold",
    "ready": "bold",
    "unreachable": "bold red",
    "missing": "bold red",
}


def _users(status: RunStatus) -> str:
    target = "" if status.target_users is None else f"/{fmt.count(status.target_users)}"
    rate = "" if status.spawn_rate is None else f" @{status.spawn_rate:g}/s"
    return f"users {fmt.count(status.users)}{target}{rate}"


def _workers(status: RunStatus, hosts: tuple[HostView, ...]) -> str:
    """`workers 8 (2 missing)`, naming the hosts of the missing ones when known: `(2 missing: load-b)`."""
    missing = len(status.missing_workers)
    where = ", ".join(printable(host.host) for host in hosts if host.missing)
    return f"workers {status.worker_count}" + (
        f" ({missing} missing{': ' + where if where else ''})" if missing else ""
    )


def _elapsed(status: RunStatus) -> str:
    planned = "" if status.run_time_s is None else f"/{fmt.duration(status.run_time_s)}"
    return f"{fmt.duration(status.elapsed_s)}{planned}"


IDLE_TEXT = "idle — press s to start"


def _state(status: RunStatus, starting: bool) -> tuple[str, str]:
    """(text, style) of the run's state; before the first start, what starts it, or that it is starting."""
    state = "starting" if starting and status.state == "idle" else status.state
    return (IDLE_TEXT if state == "idle" else state), _STATE_STYLES.get(state, "bold")


def status_text(status: RunStatus, starting: bool = False, hosts: tuple[HostView, ...] = ()) -> Text:
    """`starting`: the app is starting a run, which its master does not know yet; `hosts` name where the
    missing workers ran."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {status.mode.upper()} ", style="reverse bold")
    text.append(" ")
    text.append(*_state(status, starting))
    if status.error:
        # First, so that a narrow terminal still shows why nothing moves.
        text.append(f"  {printable(status.error)}", style="bold red")
    text.append(f"  {_users(status)}  {_workers(status, hosts)}  {_elapsed(status)}")
    if status.engine:
        text.append(f"  {status.engine}", style="cyan")
    text.append(f"  {printable(status.master_url)}", style="dim")
    if status.target:
        text.append(f" → {printable(status.target)}", style="dim")
    return text


class StatusLine(DrawsOnChange, Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def select(self, snapshot: Snapshot) -> tuple[RunStatus, bool, tuple[HostView, ...]]:
        return snapshot.status, bool(getattr(self.app, "starting", False)), snapshot.hosts

    def draw(self, part: tuple[RunStatus, bool, tuple[HostView, ...]]) -> None:
        # One line always: no layout pass for the update that comes every second (elapsed time).
        self.update(status_text(*part), layout=False)
