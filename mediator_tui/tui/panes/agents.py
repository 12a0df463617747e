"""Agents: running against target, lifecycle counters, onboarding's pace, latest crashes with their stderr tail."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.onboarding import OnboardingSnapshot
from mediator_tui.core.metrics.snapshot import AgentsSnapshot, CrashEvent, Snapshot
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.base import SnapshotPane, unknown


def _counters(agents: AgentsSnapshot) -> Text:
    text = Text()
    text.append("running ")
    text.append(f"{fmt.count(agents.running)} / {fmt.count(agents.target)}", style="bold")
    for label, value, alarm in (
        ("started", agents.started, False),
        ("crashed", agents.crashed, True),
        ("restarted", agents.restarted, False),
        ("start failures", agents.start_failures, True),
        ("reconnects", agents.reconnects, False),
    ):
        text.append(f"  {label} ")
        text.append(fmt.count(value), style="bold red" if alarm and value else "bold")
    return text


def _onboarding(onboarding: OnboardingSnapshot) -> Text:
    """Onboardings per second, their latest p95, and the backlog: users waiting for admission + in flight."""
    text = Text("onboarding ")
    text.append(fmt.rate(onboarding.per_s), style="bold")
    text.append("  p95 ")
    text.append(fmt.millis(onboarding.p95_ms), style="bold")
    text.append("  backlog ")
    text.append(fmt.count(onboarding.backlog), style="bold")
    text.append(f" ({fmt.count(onboarding.waiting)} waiting, {fmt.count(onboarding.in_flight)} in flight", style="dim")
    text.append(f", cap {fmt.count(onboarding.cap)})" if onboarding.cap else ")", style="dim")
    return text


def _crash(crash: CrashEvent) -> Text:
    text = Text()
    text.append(f"{fmt.clock(crash.ts)} ", style="dim")
    text.append(f"{crash.worker_id} {crash.user}: ")
    text.append(printable(crash.reason), style="red")
    for line in printable(crash.stderr_tail).splitlines():
        text.append(f"\n    {line.strip()}", style="dim")
    return text


class AgentsPane(SnapshotPane):
    TITLE = "Agents"

    DEFAULT_CSS = """
    AgentsPane #agent-counters { height: auto; }
    AgentsPane #crashes { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="agent-counters")
        with VerticalScroll(id="crashes", can_focus=False):
            yield Static(id="crash-list")

    def select(self, snapshot: Snapshot) -> tuple[AgentsSnapshot, OnboardingSnapshot, bool]:
        return snapshot.agents, snapshot.onboarding, snapshot.status.connected

    def draw(self, part: tuple[AgentsSnapshot, OnboardingSnapshot, bool]) -> None:
        agents, onboarding, connected = part
        counters = self.query_one("#agent-counters", Static)
        crash_list = self.query_one("#crash-list", Static)
        if not agents.known:
            counters.update(unknown("agent", connected))
            crash_list.update("")
            return
        counters.update(
            Text("\n").join((_counters(agents), _onboarding(onboarding))) if onboarding.known else _counters(agents)
        )
        newest_first = tuple(reversed(agents.recent_crashes))
        crash_list.update(
            Text("\n").join(_crash(c) for c in newest_first) if newest_first else Text("no crashes", style="dim")
        )
