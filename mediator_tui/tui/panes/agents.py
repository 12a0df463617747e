"""Agents: running against target, lifecycle counters, onboarding's pace, the reconnect storm (STORM_AFTER) as
it goes, latest crashes with their stderr tail."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from mediator_tui.common.terminal_text import printable
from mediator_tui.core.metrics.onboarding import OnboardingSnapshot
from mediator_tui.core.metrics.snapshot import AgentsSnapshot, CrashEvent, Snapshot
from mediator_tui.core.metrics.storm import StormOutcome
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


def _storm(storm: StormOutcome) -> Text:
    """How many wallets came back after the mediator's restart, and how soon each share of them did."""
    text = Text("storm ")
    if storm.error:
        text.append(f"failed: {printable(storm.error)}", style="bold red")
        return text
    if storm.under_way and not storm.points:
        text.append(f"restarting the mediator under {fmt.count(storm.wallets)} wallets", style="bold yellow")
        return text
    text.append(f"{fmt.count(storm.back)}/{fmt.count(storm.wallets)} back", style="bold")
    for percent, after_s in storm.back_after_s.items():
        text.append(f"  {percent} % after ")
        text.append("–" if after_s is None else f"{after_s:.1f} s", style="bold")
    text.append(f"  (down {storm.outage_s:.1f} s", style="dim")
    if storm.cpu_percent_max is not None:
        text.append(f", mediator CPU up to {storm.cpu_percent_max:.0f} %", style="dim")
    text.append(", coming back)" if storm.under_way else ")", style="dim")
    if storm.crashed:
        text.append(f"  {fmt.count(storm.crashed)} gave up", style="bold red")
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

    def select(self, snapshot: Snapshot) -> tuple[AgentsSnapshot, OnboardingSnapshot, bool, StormOutcome | None]:
        return snapshot.agents, snapshot.onboarding, snapshot.status.connected, snapshot.storm

    def draw(self, part: tuple[AgentsSnapshot, OnboardingSnapshot, bool, StormOutcome | None]) -> None:
        agents, onboarding, connected, storm = part
        counters = self.query_one("#agent-counters", Static)
        crash_list = self.query_one("#crash-list", Static)
        if not agents.known:
            counters.update(unknown("agent", connected))
            crash_list.update("")
            return
        lines = [
            _counters(agents),
            *([_onboarding(onboarding)] if onboarding.known else []),
            *([_storm(storm)] if storm is not None else []),
        ]
        counters.update(Text("\n").join(lines))
        newest_first = tuple(reversed(agents.recent_crashes))
        crash_list.update(
            Text("\n").join(_crash(c) for c in newest_first) if newest_first else Text("no crashes", style="dim")
        )
