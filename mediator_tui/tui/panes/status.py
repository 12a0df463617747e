"""One line saying what is running where: mode, master, state, users, workers, elapsed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mediator_tui.core.metrics.snapshot import RunStatus, Snapshot

from .. import format as fmt
from .base import DrawsOnChange

_STATE_STYLES = {"running": "bold green", "spawning": "bold yellow", "starting": "bold yellow",
                 "stopped": "bold", "ready": "bold", "unreachable": "bold red", "missing": "bold red"}


def _users(status: RunStatus) -> str:
    target = "" if status.target_users is None else f"/{fmt.count(status.target_users)}"
    rate = "" if status.spawn_rate is None else f" @{status.spawn_rate:g}/s"
    return f"users {fmt.count(status.users)}{target}{rate}"


def _workers(status: RunStatus) -> str:
    missing = len(status.missing_workers)
    return f"workers {status.worker_count}" + (f" ({missing} missing)" if missing else "")


def _elapsed(status: RunStatus) -> str:
    planned = "" if status.run_time_s is None else f"/{fmt.duration(status.run_time_s)}"
    return f"{fmt.duration(status.elapsed_s)}{planned}"


def status_text(status: RunStatus) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {status.mode.upper()} ", style="reverse bold")
    text.append(" ")
    text.append(status.state, style=_STATE_STYLES.get(status.state, "bold"))
    if status.error:
        # First, so that a narrow terminal still shows why nothing moves.
        text.append(f"  {status.error}", style="bold red")
    text.append(f"  {_users(status)}  {_workers(status)}  {_elapsed(status)}")
    if status.engine:
        text.append(f"  {status.engine}", style="cyan")
    text.append(f"  {status.master_url}", style="dim")
    if status.target:
        text.append(f" → {status.target}", style="dim")
    return text


class StatusLine(DrawsOnChange, Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def select(self, snapshot: Snapshot) -> RunStatus:
        return snapshot.status

    def draw(self, status: RunStatus) -> None:
        # One line always: no layout pass for the update that comes every second (elapsed time).
        self.update(status_text(status), layout=False)
