"""Service levels of a capacity search: `--fail-on` expressions judged on one step's figures.

The language is the one of `core/thresholds.py` (same parser, same "an expression
describes a failure"); only the metrics differ, since a step is a window, not a
run. A level the user wrote breaks a step when its value is unknown, as a
threshold fails a run. A default level is left out where its figure does not
exist (no ping endpoint in the scenario, no message scenario, no agent metrics):
the defaults must fit every scenario without the user naming them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mediator_tui.core.capacity.figures import EndpointFigures, StepFigures
from mediator_tui.core.metrics.cpu_breakdown import PING_ENDPOINT
from mediator_tui.core.thresholds import Threshold, ThresholdError, Vocabulary, find_endpoint, parse_threshold

_ENDPOINT_METRICS: dict[str, Callable[[EndpointFigures], float | None]] = {
    "fail_ratio": lambda e: e.fail_ratio,
    "failures": lambda e: e.failures,
    "requests": lambda e: e.requests,
    "rps": lambda e: e.rps,
    "p50": lambda e: e.p50_ms,
    "p95": lambda e: e.p95_ms,
    "p99": lambda e: e.p99_ms,
}
_STEP_METRICS: dict[str, Callable[[StepFigures], float | None]] = {
    "onboarding_fail_ratio": lambda f: f.onboarding_fail_ratio,
    "onboarding_backlog_ratio": lambda f: f.onboarding_backlog_ratio,
    "lost": lambda f: f.lost_messages,
    "duplicated": lambda f: f.duplicated_messages,
    "lost_sessions": lambda f: f.lost_sessions,
    "mediator_cpu": lambda f: f.mediator_cpu_percent,
    "mediator_rss": lambda f: f.mediator_rss_bytes,
    "mediator_connections": lambda f: f.mediator_connections,
    "mediator_queue": lambda f: f.mediator_queue,
    "mediator_throttled": lambda f: f.mediator_throttled_percent,
    "worker_cpu": lambda f: f.worker_cpu_max_percent,
}
STEP_METRICS = Vocabulary(tuple(_ENDPOINT_METRICS), tuple(_STEP_METRICS))

# What a broken level says about the mediator, for the verdict's "what broke first".
_CATEGORY = {
    "p50": "latency",
    "p95": "latency",
    "p99": "latency",
    "fail_ratio": "failures",
    "failures": "failures",
    "requests": "throughput",
    "rps": "throughput",
    "onboarding_fail_ratio": "onboarding",
    "onboarding_backlog_ratio": "onboarding",
    "lost": "lost_messages",
    "duplicated": "duplicated_messages",
    "lost_sessions": "lost_sessions",
    "mediator_cpu": "mediator",
    "mediator_rss": "mediator",
    "mediator_connections": "mediator",
    "mediator_queue": "mediator",
    "mediator_throttled": "throttling",
    "worker_cpu": "harness",
}
CATEGORIES = tuple(dict.fromkeys(_CATEGORY.values()))

DEFAULT_LEVELS = (
    f"p95({PING_ENDPOINT})>1000",
    "fail_ratio>1%",
    "onboarding_fail_ratio>1%",
    "onboarding_backlog_ratio>1%",  # more than 1 % of the step's agents still not onboarded at its end
    "lost>0",
    "duplicated>0",
)


@dataclass(frozen=True)
class ServiceLevel:
    threshold: Threshold
    default: bool = False

    @property
    def text(self) -> str:
        return self.threshold.text

    @property
    def category(self) -> str:
        return _CATEGORY[self.threshold.metric]

    def value(self, figures: StepFigures) -> float | None:
        metric = self.threshold.metric
        if metric in _STEP_METRICS:
            return _STEP_METRICS[metric](figures)
        endpoint = self.threshold.endpoint
        row = figures.total if endpoint is None else find_endpoint(figures.endpoints, endpoint)
        return None if row is None else _ENDPOINT_METRICS[metric](row)

    def applies_to(self, figures: StepFigures) -> bool:
        if not self.default:
            return True
        metric, endpoint = self.threshold.metric, self.threshold.endpoint
        if metric in _STEP_METRICS:
            return self.value(figures) is not None
        return endpoint is None or find_endpoint(figures.endpoints, endpoint) is not None


@dataclass(frozen=True)
class LevelResult:
    level: ServiceLevel
    value: float | None
    met: bool

    def describe(self) -> str:
        shown = "unknown" if self.value is None else f"{self.value:.4g}"
        return f"{self.level.text} ({shown})"


@dataclass(frozen=True)
class StepJudgement:
    figures: StepFigures
    results: tuple[LevelResult, ...]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def broken(self) -> tuple[LevelResult, ...]:
        return tuple(r for r in self.results if not r.met)


def parse_levels(texts: list[str] | tuple[str, ...], *, with_defaults: bool = True) -> tuple[ServiceLevel, ...]:
    """The user's levels after the defaults (or instead of them); a level naming the same metric and
    endpoint as a default replaces it."""
    try:
        own = tuple(ServiceLevel(parse_threshold(text, STEP_METRICS)) for text in texts)
    except ThresholdError as error:
        raise ThresholdError(f"service level: {error}") from None
    if not with_defaults:
        return own
    named = {(level.threshold.metric, level.threshold.endpoint) for level in own}
    defaults = tuple(ServiceLevel(parse_threshold(text, STEP_METRICS), default=True) for text in DEFAULT_LEVELS)
    return tuple(d for d in defaults if (d.threshold.metric, d.threshold.endpoint) not in named) + own


def judge(figures: StepFigures, levels: tuple[ServiceLevel, ...]) -> StepJudgement:
    results = []
    for level in levels:
        if level.applies_to(figures):
            value = level.value(figures)
            results.append(LevelResult(level, value, met=not level.threshold.fails_at(value)))
    return StepJudgement(figures, tuple(results))
