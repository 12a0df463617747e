"""The mediator's own side (the probe): CPU and its throttling, memory and its growth per connection, descriptors,
the connections it holds against the agents running, its queue; what cannot be read, and what would read it."""

from __future__ import annotations

from rich.text import Text

from mediator_tui.common.byte_size import byte_size
from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.snapshot import MediatorSnapshot, Snapshot
from mediator_tui.core.metrics.throttling import THROTTLED_HIGH_PERCENT
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import SummaryChartPane
from mediator_tui.tui.widgets.line_chart import ChartSeries

_GAP_WORDS = {
    "zombie": "the mediator holds sessions no agent runs: zombie sessions",
    "lost": "agents run without a session at the mediator: lost sessions",
}
_CONNECTIONS_FROM = {"tcp": "TCP", "admin sessions": "admin sessions", "live sessions": "live sessions"}


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def _state_line(mediator: MediatorSnapshot) -> str:
    """Why the mediator does not answer (`stalled_by`: what did not): its process busy, or not."""
    unanswered = ", ".join(mediator.stalled_by)
    if mediator.saturated:
        return f"SATURATED ({unanswered}) at {_percent(mediator.cpu_percent)} CPU: too busy to answer"
    if mediator.cpu_percent is None:
        return f"STALLED ({unanswered}): no CPU reading tells a busy mediator from a frozen one"
    return f"STALLED ({unanswered}) at {_percent(mediator.cpu_percent)} CPU: frozen, not busy"


def _throttling(mediator: MediatorSnapshot) -> str | None:
    """Its CPU throttling now (the last second) and over the run, with the limit its cgroup holds."""
    run = mediator.throttled
    # A mediator without a limit that was never held back (the host's own cgroup) has nothing to say here.
    if run is None or (run.cpu_limit_cores is None and not run.throttled_periods):
        return None
    now = mediator.history[-1].throttled if mediator.history else None
    limit = "none" if run.cpu_limit_cores is None else f"{run.cpu_limit_cores:g} cores"
    return (
        f"throttled {_percent(now and now.percent)} of CFS periods (run {_percent(run.percent)}, "
        f"{run.throttled_s:.1f} s held back)  limit {limit}\n"
    )


def _figures(mediator: MediatorSnapshot) -> Text:
    text = Text()
    unknown = {figure: printable(hint) for figure, hint in dict(mediator.unknown).items()}
    if mediator.state:
        text.append(_state_line(mediator) + "\n", style="bold red")
    text.append("CPU ")
    text.append(_percent(mediator.cpu_percent), style="bold")
    text.append(f" (max {_percent(mediator.cpu_percent_max)})  RSS ")
    text.append(byte_size(mediator.rss_bytes), style="bold")
    text.append(f"  USS {byte_size(mediator.uss_bytes)}\n")
    throttling = _throttling(mediator)
    if throttling:
        high = mediator.throttled is not None and mediator.throttled.percent >= THROTTLED_HIGH_PERCENT
        text.append(throttling, style="bold red" if high else "")
    text.append(
        f"per connection {byte_size(mediator.bytes_per_connection)}  "
        f"fds {fmt.count(mediator.open_fds)}  threads {fmt.count(mediator.threads)}\n"
    )
    held = f" ({_CONNECTIONS_FROM[mediator.connections_from]})" if mediator.connections_from else ""
    text.append(
        f"held {fmt.count(mediator.connections)}{held} vs {fmt.count(mediator.agents_running)} agents running  gap "
    )
    gap = "–" if mediator.session_gap is None else f"{mediator.session_gap:+d}"
    text.append(gap, style="bold red" if mediator.session_gap_flag else "bold")
    if mediator.session_gap_flag:
        text.append(f"\n{_GAP_WORDS[mediator.session_gap_flag]}", style="red")
    depth_hint, age_hint = unknown.pop("queue", None), unknown.pop("queue age", None)
    if mediator.queued_messages is None and depth_hint:
        text.append(f"\nqueue: unknown — {age_hint or depth_hint}", style="dim")
    else:
        text.append("\nqueue ")
        text.append(fmt.count(mediator.queued_messages), style="bold")
        text.append(f"  oldest {fmt.duration(mediator.queue_age_s)}")
        if age_hint:
            text.append(f" ({age_hint})", style="dim")
    for source, error in mediator.errors:
        text.append(f"\n{source}: {printable(error)}", style="red")
    for figure, hint in unknown.items():
        text.append(f"\n{figure}: unknown — {hint}", style="dim")
    return text


class MediatorPane(SummaryChartPane):
    TITLE = "Mediator"

    def axis_format(self, value: float) -> str:
        return f"{value:.0f}%"

    def select(self, snapshot: Snapshot):
        return snapshot.mediator

    def draw(self, mediator: MediatorSnapshot) -> None:
        self.border_subtitle = f"read: {', '.join(mediator.sources) or 'nothing'} · chart: CPU %"
        self.show_figures(
            _figures(mediator), (ChartSeries("cpu", tuple(p.cpu_percent for p in mediator.history), "green"),)
        )
