"""`--fail-on` for a comparison: a gate names a figure and the change that fails it.

`p95(ping_mediator)>+10%` fails when the candidate's p95 of that endpoint is more than 10 % above the base's
beyond the noise: when even the low end of the change's interval is above +10 %. `wallets_held<-10%` fails
when even the high end is below -10 %. Without `%` the limit is in the figure's own unit (`p95>+50`: 50 ms).
A figure that was not measured on both sides cannot show the candidate is good, so its gate fails. The
expressions are read by the run's own `--fail-on` parser (core/thresholds.py), with this vocabulary."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mediator_tui.core.compare.figures import ENDPOINT_FIGURES, RUN_FIGURES
from mediator_tui.core.compare.verdicts import NOT_COMPARABLE, Comparison, FigureResult
from mediator_tui.core.thresholds import Threshold, ThresholdError, Vocabulary, find_endpoint, parse_threshold

COMPARE_METRICS = Vocabulary(tuple(f.metric for f in ENDPOINT_FIGURES), tuple(f.metric for f in RUN_FIGURES))
_RISES: dict[str, Callable[[float, float], bool]] = {">": operator.gt, ">=": operator.ge}
_FALLS: dict[str, Callable[[float, float], bool]] = {"<": operator.lt, "<=": operator.le}


@dataclass(frozen=True)
class GateResult:
    expr: str
    failed: bool
    change: float | None  # as the gate reads it: relative (a fraction) or in the figure's unit
    relative: bool
    low: float | None
    high: float | None
    why: str = ""  # why a gate fails without a change: the figure was not measured or not comparable

    def describe(self) -> str:
        """`p95>+10%: FAILED (change +23.0%, interval [+15.2%, +31.0%])`, as the table and the views show it."""
        shown = f"{self.expr}: {'FAILED' if self.failed else 'holds'}"
        if self.change is not None and self.low is not None and self.high is not None:
            number = "{:+.1%}" if self.relative else "{:+.4g}"
            low, change, high = (number.format(v) for v in (self.low, self.change, self.high))
            shown += f" (change {change}, interval [{low}, {high}])"
        return shown + (f" - {self.why}" if self.why else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "expr": self.expr,
            "failed": self.failed,
            "change": self.change,
            "interval": [self.low, self.high],
            **({"why": self.why} if self.why else {}),
        }


def parse_gate(text: str) -> Threshold:
    """ThresholdError (naming the expression) for one that cannot be read or states no direction."""
    threshold = parse_threshold(text, COMPARE_METRICS)
    if threshold.op not in _RISES and threshold.op not in _FALLS:
        raise ThresholdError(
            f"gate {text!r}: a comparison gate says which way a change fails, with > >= < or <= "
            f"(e.g. 'p95(ping_mediator)>+10%')"
        )
    return threshold


def parse_gates(texts: list[str]) -> list[Threshold]:
    return [parse_gate(text) for text in texts]


def _figure(t: Threshold, comparison: Comparison) -> FigureResult | None:
    if t.endpoint is None:
        figures = (
            comparison.run_figures
            if t.metric in COMPARE_METRICS.run_metrics
            else (comparison.total.figures if comparison.total else ())
        )
    else:
        row = find_endpoint(comparison.endpoints, t.endpoint)
        figures = row.figures if row is not None else ()
    return next((f for f in figures if f.metric == t.metric), None)


def judge(t: Threshold, comparison: Comparison) -> GateResult:
    figure = _figure(t, comparison)
    if figure is None:
        where = f" of {t.endpoint}" if t.endpoint else ""
        return GateResult(t.text, True, None, t.percent, None, None, why=f"no {t.metric}{where} in these runs")
    change = figure.change
    if figure.verdict == NOT_COMPARABLE or change is None:
        return GateResult(t.text, True, None, t.percent, None, None, why=f"{NOT_COMPARABLE}: {figure.why}")
    if t.percent:
        if change.relative is None or change.relative_low is None or change.relative_high is None:
            return GateResult(
                t.text,
                True,
                None,
                True,
                None,
                None,
                why="the base is 0: no relative change; give a limit in the figure's unit (without %)",
            )
        value, low, high = change.relative, change.relative_low, change.relative_high
    else:
        value, low, high = change.absolute, change.absolute_low, change.absolute_high
    failed = _RISES[t.op](low, t.limit) if t.op in _RISES else _FALLS[t.op](high, t.limit)
    return GateResult(t.text, failed, value, t.percent, low, high)
