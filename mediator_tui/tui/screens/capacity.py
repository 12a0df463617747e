"""The capacity view: the steps a search has judged, p95 and the mediator's CPU against the connections held,
the verdict.

Everything shown is the search's (`core/capacity/`: step figures, judgements, the verdict and their
lines in `core/capacity/lines.py`); this screen only lays it out. The chart is a plotext figure: it is
built again only when a step arrives or the terminal is resized, not on every refresh.
"""

from __future__ import annotations

import plotext as plt
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, RichLog, Static

from mediator_tui.common.terminal_text import printable
from mediator_tui.core.capacity.curve import held_axis
from mediator_tui.core.capacity.levels import StepJudgement
from mediator_tui.core.capacity.lines import verdict_lines
from mediator_tui.core.capacity.search import Verdict
from mediator_tui.tui import format as fmt

COLUMNS = ("step", "users", "agents", "running", "ping p95", "failures", "mediator CPU", "result")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


def step_row(judgement: StepJudgement) -> tuple[str | Text, ...]:
    f = judgement.figures
    p95 = f.ping_p95_ms if f.ping_p95_ms is not None else f.total.p95_ms
    ratio = f.total.fail_ratio
    failures = f"{fmt.count(f.total.failures)}/{fmt.count(f.total.requests)}" + (
        f" ({ratio:.1%})" if ratio is not None else ""
    )
    result = (
        Text("met", style="green")
        if judgement.met
        else Text(
            "broken: " + ", ".join(f"{r.describe()} [{r.level.category}]" for r in judgement.broken), style="bold red"
        )
    )
    return (
        str(f.index + 1),
        fmt.count(f.users_target),
        fmt.count(f.agents_target),
        fmt.count(f.agents_running),
        fmt.millis(p95),
        failures,
        _percent(f.mediator_cpu_percent),
        result,
    )


def chart_text(steps: tuple[StepJudgement, ...], width: int, height: int) -> Text:
    """Each step's ping p95 (left axis) and the mediator's CPU (right axis) over the connections it held,
    or what stands in for them (`core/capacity/curve.py`): the export's connections curve, in the terminal."""
    figures = [j.figures for j in steps]
    label, xs = held_axis([(f.mediator_connections, f.agents_running, f.users_target) for f in figures])
    ordered = sorted(zip(xs, figures, strict=True), key=lambda pair: pair[0])
    p95 = [(x, f.ping_p95_ms if f.ping_p95_ms is not None else f.total.p95_ms) for x, f in ordered]
    p95 = [(x, y) for x, y in p95 if y is not None]
    cpu = [(x, f.mediator_cpu_percent) for x, f in ordered if f.mediator_cpu_percent is not None]
    if width < 20 or height < 5 or not (p95 or cpu):
        return Text("the chart needs a measured step" if not (p95 or cpu) else "")
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    if p95:
        plt.plot(*zip(*p95, strict=True), label="ping p95 ms", marker="braille", color="cyan")
    if cpu:
        plt.plot(*zip(*cpu, strict=True), label="mediator CPU %", marker="braille", color="green", yside="right")
    plt.xlabel(label)
    return Text.from_ansi(plt.build())


class CapacityChart(Static):
    """Drawn again at its own size: the steps table and the verdict above and below it grow."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._steps: tuple[StepJudgement, ...] = ()

    def plot(self, steps: tuple[StepJudgement, ...]) -> None:
        self._steps = steps
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        self.update(chart_text(self._steps, self.content_size.width, self.content_size.height))


class CapacityScreen(Screen):
    BINDINGS = [Binding("q", "app.quit", "Quit", id="capacity.quit")]

    DEFAULT_CSS = """
    CapacityScreen #capacity-plan { height: auto; padding: 0 1; text-style: bold; }
    CapacityScreen #capacity-steps { height: auto; max-height: 12; }
    CapacityScreen #capacity-chart { height: 1fr; min-height: 6; }
    CapacityScreen #capacity-verdict { height: auto; padding: 0 1; }
    CapacityScreen #capacity-log { height: 6; border-top: solid $primary; }
    """

    def __init__(self) -> None:
        super().__init__(name="capacity")
        self._steps: tuple[StepJudgement, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("capacity search: starting…", id="capacity-plan", markup=False)
        with Vertical():
            table: DataTable = DataTable(id="capacity-steps", cursor_type="row", zebra_stripes=True)
            table.add_columns(*COLUMNS)
            yield table
            yield CapacityChart(id="capacity-chart")
            yield Static("verdict: the search is running", id="capacity-verdict", markup=False)
        yield RichLog(id="capacity-log", max_lines=500, wrap=True, markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def show_plan(self, line: str) -> None:
        self.query_one("#capacity-plan", Static).update(printable(line))

    def add_step(self, judgement: StepJudgement) -> None:
        self._steps = (*self._steps, judgement)
        self.query_one(DataTable).add_row(*step_row(judgement))
        self.query_one(CapacityChart).plot(self._steps)

    def show_verdict(self, verdict: Verdict) -> None:
        lines = verdict_lines(verdict)
        text = Text(lines[0], style="bold red" if verdict.limited_by == "harness" else "bold")
        for line in lines[1:]:
            text.append("\n" + line)
        self.query_one("#capacity-verdict", Static).update(text)

    def say(self, line: str) -> None:
        self.query_one(RichLog).write(printable(line))
