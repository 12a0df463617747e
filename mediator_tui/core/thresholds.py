"""`--fail-on` expressions: `METRIC[(ENDPOINT)] OP NUMBER[%]`, read without eval.

An expression describes a failure: `fail_ratio>0.01` fails the run when more
than 1 % of requests failed. A metric whose value is unknown (no requests to
that endpoint, no agent-metrics route on the master) cannot show the run is
good, so the threshold fails with value null.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from mediator_tui.core.metrics.snapshot import RequestRow, Snapshot

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_EXPRESSION = re.compile(
    r"\s*(?P<metric>[a-z_][a-z0-9_]*)\s*(?:\(\s*(?P<endpoint>[^()]+?)\s*\))?"
    r"\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(?P<percent>%)?\s*",
    re.IGNORECASE,
)

# Metrics of a request row: the aggregate, or one endpoint when named in parentheses.
_ROW_METRICS: dict[str, Callable[[RequestRow], float | None]] = {
    "fail_ratio": lambda r: r.fail_ratio if r.count else None,
    "failures": lambda r: r.failures,
    "requests": lambda r: r.count,
    "rps": lambda r: r.avg_rps,
    "p50": lambda r: r.p50_ms,
    "p95": lambda r: r.p95_ms,
    "p99": lambda r: r.p99_ms,
    "max": lambda r: r.max_ms,
    "avg": lambda r: r.avg_ms,
}
# Metrics of the whole run, judged on the figures of the running test (see JudgedFigures), since
# after the stop every agent has shut down; None when the master serves no agent metrics.
_RUN_METRICS: dict[str, Callable[[Snapshot], float | None]] = {
    "crashes": lambda s: s.judged.crashes,
    "agents_started": lambda s: s.judged.agents_started,
    "agents_running": lambda s: s.judged.agents_running,
    "start_failures": lambda s: s.judged.start_failures,
    "restarted": lambda s: s.judged.restarted,
    "ports_refused": lambda s: s.judged.ports_refused,
    "memory_per_agent": lambda s: s.judged.memory_per_agent_bytes,
    "workers_missing": lambda s: s.judged.workers_missing,
    # Websockets reopened over the run (gone agents' included): a proxy's idle timeout shows here.
    "reconnects": lambda s: s.agents.reconnects if s.agents.known else None,
    # The mediator's side over the run (the probe); None when no source read gives it.
    "mediator_cpu": lambda s: s.mediator.cpu_percent_max,
    "mediator_rss": lambda s: s.mediator.rss_bytes_max,
    # % of the CFS periods the mediator ran in that its CPU limit cut short (its cgroup's cpu.stat).
    "mediator_throttled": lambda s: s.mediator.throttled and s.mediator.throttled.percent,
    "session_gap": lambda s: s.mediator.session_gap_max,  # judged away from the ramp and the stop
    "queue_age": lambda s: s.mediator.queue_age_s_max,
    # The delivery ledger's run totals (a message counts as lost once its timeout passed);
    # None when the workers keep no ledger.
    "lost": lambda s: s.delivery.lost if s.delivery.known else None,
    "duplicated": lambda s: s.delivery.duplicated if s.delivery.known else None,
    "delivery_p95": lambda s: s.delivery.p95_ms if s.delivery.known else None,
}


def _throttling_unknown_because(snapshot: Snapshot) -> str:
    if "process" not in snapshot.mediator.sources:
        return "the probe read no mediator process: run the embedded mediator or set MEDIATOR_PID (one on this host)"
    return "this host shows no cgroup CPU counters (cpu.stat) for the mediator's process"


# Why a run metric is unknown, where the store can say (the other unknowns are "not served").
_UNKNOWN_BECAUSE: dict[str, Callable[[Snapshot], str]] = {
    "memory_per_agent": lambda s: s.judged.memory_per_agent_unknown_because,
    "session_gap": lambda s: (
        "the session gap is judged once every user is spawned and settled, away from the stop: "
        "the run had no such second with the connections held and the agents running both known"
        if s.mediator.known
        else ""
    ),
    "mediator_throttled": _throttling_unknown_because,
}
# Figures in % (of a core, of CFS periods): there `%` after the number names the unit, not a ratio.
PERCENT_METRICS = frozenset({"mediator_cpu", "mediator_throttled", "worker_cpu"})


def _no_reason(_snapshot: Snapshot) -> str:
    return ""


@dataclass(frozen=True)
class Vocabulary:
    """The metrics an expression may name: per request row (endpoint allowed), and of the whole."""

    row_metrics: tuple[str, ...]
    run_metrics: tuple[str, ...]


SNAPSHOT_METRICS = Vocabulary(tuple(_ROW_METRICS), tuple(_RUN_METRICS))


class ThresholdError(ValueError):
    """A `--fail-on` expression that cannot be read; the message shows the accepted forms."""


@dataclass(frozen=True)
class Threshold:
    text: str
    metric: str
    endpoint: str | None
    op: str
    limit: float
    percent: bool = False  # written with `%`: `limit` is the fraction (a comparison reads it as a relative change)

    def value(self, snapshot: Snapshot) -> float | None:
        if self.metric in _RUN_METRICS:
            return _RUN_METRICS[self.metric](snapshot)
        row = snapshot.total if self.endpoint is None else find_endpoint(snapshot.requests, self.endpoint)
        return None if row is None else _ROW_METRICS[self.metric](row)

    def fails_at(self, value: float | None) -> bool:
        """An unknown value (None, NaN, infinite) cannot show the run is good: every comparison with NaN
        is false, so `p95 < 500` would otherwise hold on it."""
        return value is None or not math.isfinite(value) or _OPERATORS[self.op](value, self.limit)

    def check(self, snapshot: Snapshot) -> ThresholdResult:
        value = self.value(snapshot)
        if value is not None and not math.isfinite(value):
            return ThresholdResult(
                expr=self.text, value=None, ok=False, unknown_because=f"the figure is not a finite number ({value})"
            )
        why = _UNKNOWN_BECAUSE.get(self.metric, _no_reason)(snapshot) if value is None else ""
        return ThresholdResult(expr=self.text, value=value, ok=not self.fails_at(value), unknown_because=why)


@dataclass(frozen=True)
class ThresholdResult:
    expr: str
    value: float | None
    ok: bool
    unknown_because: str = ""  # why the value is None, where the store says

    def as_dict(self) -> dict[str, Any]:
        return {
            "expr": self.expr,
            "value": self.value,
            "ok": self.ok,
            **({"unknown_because": self.unknown_because} if self.unknown_because else {}),
        }


class Endpoint(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def key(self) -> str: ...


E = TypeVar("E", bound=Endpoint)


def find_endpoint(rows: Iterable[E], endpoint: str) -> E | None:
    """The row an expression's endpoint names, by name (`ping_mediator`) or as the stats show it
    ("TYPE name": `DIDComm ping_mediator`); the first match in the rows' order. `--fail-on` reads
    the snapshot's request rows with it and `--slo` a capacity step's endpoint figures."""
    return next((r for r in rows if endpoint in (r.name, r.key)), None)


def _usage(metrics: Vocabulary) -> str:
    return (
        "write METRIC OP NUMBER, e.g. 'fail_ratio>0.01', 'p95(ping_mediator)>500', 'crashes>0', 'rps<10'; "
        f"request metrics (optionally with an endpoint name in parentheses): {', '.join(metrics.row_metrics)}; "
        f"run metrics: {', '.join(metrics.run_metrics)}; operators: > >= < <= == !="
    )


def parse_threshold(text: str, metrics: Vocabulary = SNAPSHOT_METRICS) -> Threshold:
    """Read one expression; `metrics` says which names it may use (a run's snapshot by default)."""
    match = _EXPRESSION.fullmatch(text)
    if not match:
        raise ThresholdError(f"cannot read the threshold {text!r}: {_usage(metrics)}")
    metric = match["metric"].lower()
    endpoint = match["endpoint"]
    if metric in metrics.run_metrics and endpoint is not None:
        raise ThresholdError(f"threshold {text!r}: {metric} is a run metric and takes no endpoint")
    if metric not in metrics.run_metrics and metric not in metrics.row_metrics:
        raise ThresholdError(f"threshold {text!r}: unknown metric {metric!r}; {_usage(metrics)}")
    limit = float(match["number"])
    if match["percent"] and metric not in PERCENT_METRICS:
        limit /= 100.0
    return Threshold(
        text=text.strip(), metric=metric, endpoint=endpoint, op=match["op"], limit=limit, percent=bool(match["percent"])
    )


def parse_thresholds(texts: list[str]) -> list[Threshold]:
    return [parse_threshold(text) for text in texts]


def check_all(thresholds: list[Threshold], snapshot: Snapshot) -> list[ThresholdResult]:
    return [threshold.check(snapshot) for threshold in thresholds]
