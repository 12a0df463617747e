"""A capacity search in the export: capacity.csv, the `capacity` section of summary.json, its chart and
its part of report.html. Every figure is the search's (`core/capacity/`); this only lays them out."""

from __future__ import annotations

from html import escape
from typing import Any

from mediator_tui.core.capacity.curve import held_axis
from mediator_tui.core.capacity.figures import StepFigures, users_and_agents
from mediator_tui.core.capacity.levels import StepJudgement
from mediator_tui.core.capacity.lines import hold_words, verdict_lines
from mediator_tui.core.capacity.outcome import CapacityOutcome
from mediator_tui.core.capacity.search import Verdict
from mediator_tui.core.export import svg
from mediator_tui.core.export.charts import Chart, Line
from mediator_tui.core.export.tables import _cell, _csv, _rounded, iso_time
from mediator_tui.core.metrics.cpu_breakdown import PING_ENDPOINT

CAPACITY_FILE = "capacity.csv"
STEP_COLUMNS = [
    "step",
    "users",
    "agents",
    "users_running",
    "agents_running",
    "window_start",
    "window_end",
    "requests",
    "failures",
    "fail_ratio",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ping_p50_ms",
    "ping_p95_ms",
    "ping_p99_ms",
    "onboarding_fail_ratio",
    "onboarding_per_s",
    "onboarding_backlog",
    "lost_messages",
    "duplicated_messages",
    "lost_sessions",
    "mediator_cpu_percent",
    "mediator_rss_bytes",
    "mediator_connections",
    "mediator_queue",
    "mediator_bytes_per_connection",
    "mediator_cpu_ms_per_request",
    "mediator_saturated_s",
    "mediator_stalled_s",
    "mediator_throttled_percent",
    "mediator_throttled_s",
    "worker_cpu_max_percent",
    "ports_refused",
    "met",
    "broken",
    "verdict_step",
]
# users: the Locust users the step asks for; agents: the agents they hold (empty without agent metrics);
# *_running: those running at the end of the step's timed window; mediator_connections: the TCP/websocket
# connections the mediator held then (the x of the connections curve, core/capacity/curve.py).
# verdict_step: which bound of the verdict a row is, "held" (users_held: the knee) or "broken" (users_broken).


def _verdict_step(verdict: Verdict, figures: StepFigures) -> str | None:
    if figures is verdict.at_held:
        return "held"
    return "broken" if figures is verdict.at_broken else None


def _ping(figures: StepFigures, field: str) -> float | None:
    ping = figures.endpoint(PING_ENDPOINT)
    return None if ping is None else getattr(ping, field)


def _step_fields(judgement: StepJudgement, verdict: Verdict) -> dict[str, Any]:
    f: StepFigures = judgement.figures
    total = f.total
    return {
        "step": f.index + 1,
        "users": f.users_target,
        "agents": f.agents_target,
        "users_running": f.users_running,
        "agents_running": f.agents_running,
        "window_start": iso_time(f.window_start),
        "window_end": iso_time(f.window_end),
        "requests": total.requests,
        "failures": total.failures,
        "fail_ratio": _rounded(total.fail_ratio, 6),
        "rps": _rounded(total.rps),
        "p50_ms": _rounded(total.p50_ms),
        "p95_ms": _rounded(total.p95_ms),
        "p99_ms": _rounded(total.p99_ms),
        "ping_p50_ms": _rounded(_ping(f, "p50_ms")),
        "ping_p95_ms": _rounded(f.ping_p95_ms),
        "ping_p99_ms": _rounded(_ping(f, "p99_ms")),
        "onboarding_fail_ratio": _rounded(f.onboarding_fail_ratio, 6),
        "onboarding_per_s": _rounded(f.onboarding_per_s),
        "onboarding_backlog": f.onboarding_backlog,
        "lost_messages": f.lost_messages,
        "duplicated_messages": f.duplicated_messages,
        "lost_sessions": f.lost_sessions,
        "mediator_cpu_percent": _rounded(f.mediator_cpu_percent, 1),
        "mediator_rss_bytes": f.mediator_rss_bytes,
        "mediator_connections": f.mediator_connections,
        "mediator_queue": f.mediator_queue,
        "mediator_bytes_per_connection": _rounded(f.mediator_bytes_per_connection, 0),
        "mediator_cpu_ms_per_request": _rounded(f.mediator_cpu_ms_per_request, 3),
        "mediator_saturated_s": f.mediator_saturated_s,
        "mediator_stalled_s": f.mediator_stalled_s,
        "mediator_throttled_percent": _rounded(f.mediator_throttled_percent, 1),
        "mediator_throttled_s": _rounded(f.mediator_throttled_s, 2),
        "worker_cpu_max_percent": _rounded(f.worker_cpu_max_percent, 1),
        "ports_refused": f.ports_refused,
        "met": judgement.met,
        "broken": [r.describe() for r in judgement.broken],
        "verdict_step": _verdict_step(verdict, f),
    }


def capacity_section(outcome: CapacityOutcome) -> dict[str, Any]:
    """summary.json's `capacity`: the verdict first, then what it was judged on, then every step."""
    verdict, plan = outcome.verdict, outcome.plan
    return {
        "users_held": verdict.users_held if verdict else None,
        "agents_held": verdict.agents_held if verdict else None,
        "users_broken": verdict.users_broken if verdict else None,
        "agents_broken": verdict.agents_broken if verdict else None,
        "broke_first": verdict.broke_first if verdict else None,
        "broken_levels": list(verdict.broken_levels) if verdict else [],
        "broke_on": verdict.broke_on if verdict else None,
        "limited_by": verdict.limited_by if verdict else None,
        "harness_reasons": list(verdict.harness_reasons) if verdict else [],
        "advice": verdict.advice if verdict else "",
        "summary": verdict.summary() if verdict else "no step was measured",
        "verdict_lines": verdict_lines(verdict) if verdict else [],  # as the headless command prints them
        "complete": outcome.complete,
        # The mediator's state at the knee (the last step held) and past it (the first broken step).
        "at_held": _bound(verdict, verdict.at_held) if verdict else None,
        "at_broken": _bound(verdict, verdict.at_broken) if verdict else None,
        "plan": {
            "start": plan.start,
            "step": plan.step,
            "max": plan.max_users,
            "hold_s": plan.hold_s,
            "settle_s": plan.settle_s,
            "spawn_rate": plan.spawn_rate,
            "resolution": outcome.resolution,
            # A computed hold (CAPACITY_HOLD=auto) adds the waits it was computed from and what it said.
            **(
                {
                    "auto_hold": True,
                    "min_wait_s": plan.min_wait_s,
                    "max_wait_s": plan.max_wait_s,
                    "hold": hold_words(plan),
                }
                if plan.auto_hold
                else {}
            ),
        },
        "levels": [
            {"expr": level.text, "default": level.default, "category": level.category} for level in outcome.levels
        ],
        "steps": [_step_fields(j, verdict) for j in verdict.steps] if verdict else [],
    }


def _bound(verdict: Verdict, figures: StepFigures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    judgement = next(j for j in verdict.steps if j.figures is figures)
    return {
        key: value
        for key, value in _step_fields(judgement, verdict).items()
        if key not in ("met", "broken", "verdict_step")
    }


def capacity_csv(outcome: CapacityOutcome) -> str:
    """One row per step in the order they ran; `broken` lists the broken levels with their values."""
    rows = []
    verdict = outcome.verdict
    for judgement in verdict.steps if verdict else ():
        assert verdict is not None  # the loop runs only over a verdict's steps
        fields = _step_fields(judgement, verdict)
        fields["broken"] = "; ".join(fields["broken"])
        fields["met"] = "yes" if fields["met"] else "no"
        rows.append([_cell(fields[column]) for column in STEP_COLUMNS])
    return _csv(STEP_COLUMNS, rows)


X_LABEL = "Locust users"
MIB = 1024 * 1024


def _counted(bound: dict[str, Any] | None) -> str | None:
    return None if bound is None else users_and_agents(bound["users"], bound["agents"])


# Each chart: its title, its unit and its lines (label, step field), charted over the steps' Locust users
# (bisection steps fall between their neighbours: where the latency breaks against how busy the mediator was)
# or over the connections each step held (core/capacity/curve.py): how latency and the mediator's cost grow.
_ChartSpec = tuple[str, str, tuple[tuple[str, str], ...]]
PER_USERS: tuple[_ChartSpec, ...] = (
    ("Capacity: p95 per step", "ms", (("ping p95", "ping_p95_ms"), ("p95 (all requests)", "p95_ms"))),
    ("Capacity: mediator CPU per step", "% of a core", (("mediator CPU", "mediator_cpu_percent"),)),
)
CONNECTIONS_CURVE: tuple[_ChartSpec, ...] = (
    (
        "Capacity: ping latency against connections held",
        "ms",
        (("ping p50", "ping_p50_ms"), ("ping p95", "ping_p95_ms"), ("ping p99", "ping_p99_ms")),
    ),
    ("Capacity: mediator CPU against connections held", "% of a core", (("mediator CPU", "mediator_cpu_percent"),)),
    ("Capacity: mediator memory against connections held", "MiB", (("mediator RSS", "mediator_rss_bytes"),)),
)
_SCALE = {"mediator_rss_bytes": MIB}  # charted in MiB


def capacity_charts(section: dict[str, Any]) -> list[Chart]:
    """Each step's p95 and the mediator's CPU over its Locust users, then the connections curve."""
    steps = section["steps"]
    label, held = held_axis([(s.get("mediator_connections"), s.get("agents_running"), s["users"]) for s in steps])
    return [
        *_charts(steps, [float(s["users"]) for s in steps], X_LABEL, PER_USERS),
        *_charts(steps, held, label, CONNECTIONS_CURVE),
    ]


def _charts(steps: list[dict[str, Any]], xs: list[float], x_label: str, specs: tuple[_ChartSpec, ...]) -> list[Chart]:
    """`specs` over the steps at `xs`, in x order; a figure unknown (or missing from an older export) left out."""
    ordered = sorted(zip(xs, steps, strict=True), key=lambda pair: pair[0])

    def line(label: str, key: str) -> Line:
        scale = _SCALE.get(key, 1.0)
        return Line(label, tuple((x, float(s[key]) / scale) for x, s in ordered if s.get(key) is not None))

    return [Chart(title, unit, tuple(line(*spec) for spec in lines), x_label=x_label) for title, unit, lines in specs]


def capacity_html(section: dict[str, Any]) -> str:
    """The report's capacity part: the verdict, the chart, one row per step."""
    plan = section["plan"]
    facts = [
        ("verdict", "\n".join(section["verdict_lines"]) or section["summary"]),
        ("held", _counted(section["at_held"])),
        ("broken at", _counted(section["at_broken"])),
        ("broke first", section["broke_first"]),
        ("broke on", section["broke_on"]),
        ("limited by", section["limited_by"]),
        ("complete", "yes" if section["complete"] else "no (partial)"),
        (
            "plan",
            f"{plan['start']} to {plan['max']} Locust users by {plan['step']}, "
            + (plan["hold"] if plan.get("auto_hold") else f"hold {plan['hold_s']:g} s (settle {plan['settle_s']:g} s)")
            + f", {plan['spawn_rate']:g} users/s"
            + (f", resolution {plan['resolution']}" if plan["resolution"] else ""),
        ),
        ("service levels", ", ".join(level["expr"] for level in section["levels"])),
    ]
    head = "".join(
        f"<tr><th>{escape(name)}</th><td>{_lines('–' if value is None else str(value))}</td></tr>"
        for name, value in facts
    )
    columns = [
        "step",
        "users",
        "agents",
        "agents_running",
        "mediator_connections",
        "rps",
        "p95_ms",
        "ping_p50_ms",
        "ping_p95_ms",
        "ping_p99_ms",
        "fail_ratio",
        "onboarding_fail_ratio",
        "worker_cpu_max_percent",
        "mediator_cpu_percent",
        "mediator_cpu_ms_per_request",
        "mediator_rss_bytes",
        "mediator_throttled_percent",
        "met",
        "broken",
        "verdict_step",
    ]
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"ok" if step["met"] else "bad"}">{"met" if step["met"] else "broken"}</td>'
            if column == "met"
            else f"<td>{escape(_shown(step[column]))}</td>"
            for column in columns
        )
        + "</tr>"
        for step in section["steps"]
    )
    header = "".join(f"<th>{escape(column)}</th>" for column in columns)
    charts = "".join(svg.render(chart) for chart in capacity_charts(section))
    return (
        f'<h2>Capacity search</h2><table>{head}</table><div class="charts">{charts}</div>'
        f"<table><tr>{header}</tr>{rows}</table>"
    )


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(value)
    return "–" if value is None else _cell(value)
