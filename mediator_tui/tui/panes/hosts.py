"""Workers by host: a line per host (its live workers' figures summed, its missing ones with why they likely
went) over a line per worker. Host names and worker ids come from the workers: shown through `printable`."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from mediator_tui.common.byte_size import byte_size
from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.host_view import HostView, HostWorker
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import DrawsOnChange

COLUMNS = ("worker", "state", "users", "agents", "CPU", "open files", "local ports")
WIDTHS = (10, 9, 7, 7, 6, 12, 12)  # the same in every host's table, so that they line up
NO_WORKERS = "no workers yet: they show here by host once the master lists them"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


def _of(used: int, limit: int) -> str:
    return f"{fmt.count(used)}/{fmt.count(limit)}" if limit else fmt.count(used)


def short_id(worker: HostWorker, host: str) -> str:
    """Locust's id without its host: `<host>_<hex>` shows as its first 8 hex digits."""
    rest = worker.worker_id.removeprefix(f"{host}_")
    return printable(rest[:8] if rest != worker.worker_id else worker.worker_id)


def host_line(host: HostView) -> Text:
    """The host and its live workers' figures summed."""
    live = host.live
    text = Text(printable(host.host), style="bold cyan")
    text.append(f"  {len(live)} worker{'s' if len(live) != 1 else ''}", style="bold")
    for label, value in (
        ("agents", fmt.count(host.agents)),
        ("CPU", _percent(host.cpu_percent)),
        ("open files", _of(host.open_files, host.open_files_limit)),
        ("local ports", _of(host.local_ports_used, host.local_ports)),
        *((("reports", f"{byte_size(host.report_bytes)}/s"),) if host.report_bytes is not None else ()),
    ):
        text.append(f"  {label} ")
        text.append(value, style="bold")
    if host.replaced:
        text.append(f"  ({len(host.replaced)} replaced after going missing)", style="dim")
    return text


def missing_line(host: HostView) -> Text:
    """`2 missing since 12:03:04: CPU near a core`: when the first went, and why they likely did."""
    since = min(w.missing_since for w in host.missing if w.missing_since is not None)
    return Text(f"{len(host.missing)} missing since {fmt.clock(since)}: {host.why_missing}", style="bold red")


def _workers_table(host: HostView) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim")
    for n, (column, width) in enumerate(zip(COLUMNS, WIDTHS, strict=True)):
        table.add_column(column, justify="left" if n < 2 else "right", width=width, no_wrap=True)
    for worker in host.workers:
        table.add_row(
            short_id(worker, host.host),
            printable(worker.state),
            fmt.count(worker.users),
            fmt.count(worker.agents),
            _percent(worker.cpu_percent),
            _of(worker.open_files, worker.open_files_limit),
            fmt.count(worker.local_ports_used),
            style="red" if worker.missing else "",
        )
    return table


def hosts_view(hosts: tuple[HostView, ...]) -> RenderableType:
    """Each host: its line, why its missing workers likely went, its workers."""
    if not hosts:
        return NO_WORKERS
    blocks: list[RenderableType] = []
    for host in hosts:
        blocks.append(host_line(host))
        if host.missing:
            blocks.append(missing_line(host))
        if host.workers:
            blocks.append(_workers_table(host))
        blocks.append(Text())
    return Group(*blocks[:-1])


class HostsView(DrawsOnChange, Static):
    """The hosts, redrawn only when they changed."""

    def select(self, snapshot: Snapshot) -> tuple[HostView, ...]:
        return snapshot.hosts

    def draw(self, part: tuple[HostView, ...]) -> None:
        self.update(hosts_view(part))
