"""A capacity search in words: its plan, one line per step, the verdict; the headless command prints
them and the TUI's capacity view shows them. Every figure is the search's; this only lays them out."""

from __future__ import annotations

import math
from collections.abc import Callable

from mediator_tui.common.byte_size import byte_size
from mediator_tui.contracts.capacity import MIN_PINGS, RampPlan
from mediator_tui.core.capacity.figures import StepFigures
from mediator_tui.core.capacity.levels import StepJudgement
from mediator_tui.core.capacity.search import Verdict, throttled_words
from mediator_tui.core.metrics.cpu_breakdown import CpuSplit


def step_line(judgement: StepJudgement) -> str:
    figures = judgement.figures
    running = "" if figures.agents_running is None else f" ({figures.agents_running} running)"
    ping = figures.ping_p95_ms
    p95 = (
        f"ping p95 {ping:.0f} ms"
        if ping is not None
        else (f"p95 {figures.total.p95_ms:.0f} ms" if figures.total.p95_ms is not None else "p95 –")
    )
    ratio = figures.total.fail_ratio
    failures = f"failures {figures.total.failures}/{figures.total.requests}" + (
        f" ({ratio:.2%})" if ratio is not None else ""
    )
    onboarding = (
        "" if figures.onboarding_fail_ratio is None else f"  onboarding failures {figures.onboarding_fail_ratio:.1%}"
    )
    if figures.onboarding_per_s is not None:
        onboarding += f"  onboarding {figures.onboarding_per_s:.1f}/s backlog {figures.onboarding_backlog}"
    mediator = "" if figures.mediator_connections is None else f"  mediator connections {figures.mediator_connections}"
    if figures.mediator_cpu_percent is not None:
        mediator += f"  mediator CPU {figures.mediator_cpu_percent:.0f} %"
    if figures.mediator_throttled_percent is not None:
        mediator += f"  throttled {figures.mediator_throttled_percent:.0f} %"
    if judgement.met:
        result = "met"
    else:
        result = "BROKEN: " + ", ".join(f"{r.describe()} [{r.level.category}]" for r in judgement.broken)
    return f"step {figures.index + 1}: {figures.counted()}{running}  {p95}  {failures}{onboarding}{mediator}  {result}"


def plan_line(plan: RampPlan, resolution: int | None) -> str:
    bisect = f", bisecting to {resolution} users" if resolution else ""
    return (
        f"capacity search: {plan.start} to {plan.max_users} Locust users by {plan.step} at {plan.spawn_rate:g} "
        f"users/s, {hold_words(plan)}{bisect}"
    )


def hold_words(plan: RampPlan) -> str:
    """How long each step is held and, for a computed hold, why: at the first step and at the last."""
    if not plan.auto_hold:
        return f"each step {plan.hold_s:g} s after spawning ({plan.settle_s:g} s settle)"
    ends = dict.fromkeys((plan.start, plan.max_users))  # one step when the ramp has one
    held = "; ".join(_window_words(plan, users) for users in ends)
    return f"each step measured once its agents are onboarded ({plan.settle_s:g} s settle at least): {held}"


def _window_words(plan: RampPlan, users: int) -> str:
    window = plan.window_s(users)
    waits = f"every {plan.min_wait_s:g}-{plan.max_wait_s:g} s"
    pings = f"{MIN_PINGS} pings take {plan.pings_s(users):.0f} s"
    if window == math.ceil(plan.pings_s(users)):
        why = f"{MIN_PINGS} pings at {users:,} users pinging {waits}"
    elif window == math.ceil(plan.max_wait_s):
        why = f"every user pings at least once (waits up to {plan.max_wait_s:g} s; {pings})"
    else:
        why = f"the shortest window ({pings} at {users:,} users pinging {waits})"
    return f"{window:.0f} s at {users:,} users: {why}"


def mediator_state(figures: StepFigures) -> str:
    """The mediator's state at one step, as the verdict names it."""
    said: tuple[tuple[float | None, Callable[[float], str]], ...] = (
        (figures.mediator_cpu_percent, lambda v: f"CPU {v:.0f} % of a core"),
        (figures.mediator_cpu_ms_per_request, lambda v: f"{v:.2f} ms CPU per request"),
        (figures.mediator_throttled_percent, lambda v: f"throttled in {v:.0f} % of CFS periods"),
        (figures.mediator_rss_bytes, lambda v: f"memory {byte_size(v)}"),
        (figures.mediator_bytes_per_connection, lambda v: f"{byte_size(v)} per TCP/websocket connection"),
        (figures.mediator_connections, lambda v: f"{v} TCP/websocket connections"),
        (figures.mediator_queue, lambda v: f"queue {v}"),
    )
    parts = [say(value) for value, say in said if value is not None]
    return ", ".join([*parts, *_unanswered(figures)]) or "not measured (no mediator probe figures for this run)"


def _unanswered(figures: StepFigures) -> list[str]:
    """The seconds of the window its admin API or metrics endpoint did not answer, and why."""
    said = (
        (figures.mediator_saturated_s, "SATURATED (not answering while its process was busy)"),
        (figures.mediator_stalled_s, "STALLED (not answering while its process was idle or stopped)"),
    )
    return [f"{words} {seconds:.0f} s of the window" for seconds, words in said if seconds]


def verdict_lines(verdict: Verdict) -> list[str]:
    lines = [f"verdict: {verdict.summary()}"]
    if verdict.at_broken is not None:
        lines.append(f"  broke first: {verdict.broke_first}")
    if verdict.broke_on is not None:
        lines.append(f"  broke on: {verdict.broke_on} ({throttled_words(verdict.throttled_at)})")
    if verdict.at_held is not None:
        where = "the knee, the last step held" if verdict.at_broken is not None else "the highest step (none broke)"
        lines.append(f"  the mediator at {where} ({verdict.at_held.counted()}): {mediator_state(verdict.at_held)}")
    if verdict.at_broken is not None:
        lines.append(
            f"  the mediator at the first broken step ({verdict.at_broken.counted()}): "
            f"{mediator_state(verdict.at_broken)}"
        )
    told = verdict.at_broken or verdict.at_held
    if told is not None and told.mediator_cpu_split is not None:
        where = "the first broken step" if verdict.at_broken is not None else "the highest step"
        lines.append(
            f"  the mediator's CPU at {where} ({told.counted()}) went to: {cpu_split_words(told.mediator_cpu_split)}"
        )
    if verdict.limited_by:  # with "harness", the summary has said why and how to add workers
        lines.append(f"  limited by: {verdict.limited_by}")
    return lines


def cpu_split_words(split: CpuSplit) -> str:
    """Each part of the load's share of the mediator's CPU, and the costs they come from."""
    shares = split.shares()
    said = [f"{what} {share:.0f} %" if share is not None else f"{what} not determinable" for what, share in shares]
    told = sum(share for _, share in shares if share is not None)
    if told <= 100:
        said.append(f"the rest {100 - told:.0f} %")
    else:  # past its core the mediator does less per request than it did below it: the costs overshoot
        said.append(f"together {told:.0f} % of what it used")
    return f"{', '.join(said)}; estimated costs: {split.breakdown.said()}"
