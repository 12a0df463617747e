"""Memory: unique versus shared, per agent and in total, and how many more agents fit (and what binds first)."""

from __future__ import annotations

from rich.text import Text

from mediator_tui.common.byte_size import byte_size
from mediator_tui.core.metrics.snapshot import MemorySnapshot, RoomLimit, Snapshot, WorkerMemory
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import SummaryChartPane, unknown
from mediator_tui.tui.widgets.line_chart import ChartSeries

# What "unique" and "shared" measure differs per engine; say it where the figure is shown.
_MEASURES = {"credo": ("RssAnon", "RssFile"), "native": ("worker growth", "–")}


def _labels(memory: MemorySnapshot) -> tuple[str, str]:
    engines = {worker.engine for worker in memory.per_worker}
    return _MEASURES.get(engines.pop(), ("unique", "shared")) if len(engines) == 1 else ("unique", "shared")


def _worker_line(worker: WorkerMemory) -> Text:
    text = Text(
        f"{worker.worker_id} {worker.engine} {fmt.count(worker.agents)} agents  "
        f"unique {byte_size(worker.unique_bytes)}  shared {byte_size(worker.shared_bytes)}  "
        f"{byte_size(worker.per_agent_unique_bytes)}/agent",
        style="dim" if worker.stale else "",
    )
    if worker.stale:
        text.append("  (stale)", style="yellow")
    return text


_BINDS = {
    "open files": "open files bind",
    "local ports": "local ports bind",
    "port pool": "the port pool binds",
    "memory": "memory binds",
}


def _limit(limit: RoomLimit) -> str:
    value = f"{byte_size(limit.limit)} free" if limit.name == "memory" else f"{limit.limit:,}"
    return f"{_BINDS.get(limit.name, limit.name)} first: {value} per {limit.per}"


def _room(memory: MemorySnapshot) -> Text:
    text = Text(" → room for ")
    text.append(f"{memory.projected_more_agents:,}", style="bold green")
    text.append(f" more agents ({_limit(memory.room[0])})")
    return text


def _summary(memory: MemorySnapshot) -> Text:
    text = Text()
    text.append("per agent ")
    if memory.per_agent_unique_bytes is None:
        text.append("not yet measurable", style="yellow")
        if memory.per_agent_unknown_because:
            text.append(f" ({memory.per_agent_unknown_because})")
    else:
        text.append(byte_size(memory.per_agent_unique_bytes), style="bold")
        text.append(" unique")
    text.append("\nunique ")
    text.append(byte_size(memory.unique_bytes), style="bold")
    text.append("  shared ")
    text.append(byte_size(memory.shared_bytes), style="bold")
    text.append(f"  PSS {byte_size(memory.pss_bytes)}\n")
    text.append(f"workers RSS {byte_size(memory.worker_rss_bytes)}, {fmt.count(memory.agents)} agents\nhost ")
    if memory.host_available_bytes is None:
        text.append("–")
    else:
        text.append(f"{byte_size(memory.host_available_bytes)} free of {byte_size(memory.host_total_bytes)}")
    if memory.room:
        text.append_text(_room(memory))
    for worker in memory.per_worker:
        text.append("\n")
        text.append_text(_worker_line(worker))
    return text


class MemoryPane(SummaryChartPane):
    TITLE = "Memory"

    def axis_format(self, value: float) -> str:
        return byte_size(value).replace(" ", "")

    def select(self, snapshot: Snapshot):
        return (
            snapshot.memory,
            tuple((p.unique_bytes, p.shared_bytes) for p in snapshot.resources),
            snapshot.status.connected,
        )

    def draw(self, part) -> None:
        memory, history, connected = part
        if not memory.known:
            self.border_subtitle = ""
            self.show_figures(unknown("memory", connected), ())
            return
        unique_label, shared_label = _labels(memory)
        self.border_subtitle = f"unique: {unique_label} · shared: {shared_label}"
        self.show_figures(
            _summary(memory),
            (
                ChartSeries("unique", tuple(u for u, _ in history), "magenta"),
                ChartSeries("shared", tuple(s for _, s in history), "blue"),
            ),
        )
