"""The figures a comparison sets side by side, each read from a run as its value and its seconds.

Per endpoint (and for all requests together): the latency percentiles, the request rate and the failure
ratio. Of the mediator: its CPU time per request, and the share of its CPU allowance (its limit, else the
host's cores) a request takes; its memory per connection, how much a CPU limit throttled it (when the export
has that reading), the messages the delivery ledger lost and their p95, the wallets held and, for two
capacity searches, the users held. A figure's value is the run's own (summary.json's); its seconds are what
the bootstrap resamples (bootstrap.py) to tell the change from the noise."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mediator_tui.core.compare.bootstrap import Parts, RunSample, Statistic, geometric, ratio, slope
from mediator_tui.core.compare.runs import EndpointRun, RunRecord
from mediator_tui.core.metrics.cpu_breakdown import MS_PER_S_PER_CPU_PERCENT
from mediator_tui.core.metrics.snapshot import SeriesPoint

LOWER_IS_BETTER, HIGHER_IS_BETTER = "lower", "higher"

# SeriesPoint -> the figure's (weighted value, weight) of that second; None: the second says nothing of it.
_PerSecond = Callable[[SeriesPoint], Parts | None]


def _log_weighted(read: Callable[[SeriesPoint], float | None]) -> _PerSecond:
    """A percentile of a second on a log scale (`geometric`), weighted by the requests it covers (a quiet
    second says little)."""

    def parts(second: SeriesPoint) -> Parts | None:
        value = read(second)
        return (
            (math.log(value) * second.rps, second.rps) if value is not None and value > 0 and second.rps > 0 else None
        )

    return parts


@dataclass(frozen=True)
class EndpointFigure:
    metric: str  # the name `--fail-on` gives it: p95(ping_mediator)
    label: str
    unit: str
    better: str
    value: Callable[[EndpointRun], float | None]
    per_second: _PerSecond
    statistic: Statistic = ratio


ENDPOINT_FIGURES = (
    EndpointFigure(
        "p50", "p50", "ms", LOWER_IS_BETTER, lambda e: e.p50_ms, _log_weighted(lambda s: s.p50_ms), geometric
    ),
    EndpointFigure(
        "p95", "p95", "ms", LOWER_IS_BETTER, lambda e: e.p95_ms, _log_weighted(lambda s: s.p95_ms), geometric
    ),
    EndpointFigure(
        "p99", "p99", "ms", LOWER_IS_BETTER, lambda e: e.p99_ms, _log_weighted(lambda s: s.p99_ms), geometric
    ),
    EndpointFigure("rps", "requests/s", "req/s", HIGHER_IS_BETTER, lambda e: e.rps, lambda s: (s.rps, 1.0)),
    EndpointFigure(
        "fail_ratio",
        "failure ratio",
        "",
        LOWER_IS_BETTER,
        lambda e: e.failures / e.count if e.count else None,
        lambda s: (s.fail_per_s, s.rps) if s.rps > 0 else None,
    ),
)


def endpoint_sample(figure: EndpointFigure, endpoint: EndpointRun) -> RunSample | None:
    value = figure.value(endpoint)
    if value is None:
        return None
    seconds = tuple(parts for parts in map(figure.per_second, endpoint.seconds) if parts is not None)
    return RunSample(value, seconds)


@dataclass(frozen=True)
class RunFigure:
    """A figure of the whole run (no endpoint)."""

    metric: str
    label: str
    unit: str
    better: str
    statistic: Statistic
    sample: Callable[[RunRecord], RunSample | None]
    # Differences within this many units are the figure's own resolution (a capacity search's step), not a change.
    resolution: Callable[[RunRecord], float] = lambda _run: 0.0
    # Why a run that has the readings the figure is made of still lacks it (None: it does not, or has no readings).
    unavailable: Callable[[RunRecord], str | None] = lambda _run: None


def _cpu_per_request(run: RunRecord) -> RunSample | None:
    """The mediator's CPU milliseconds over the requests of the same seconds."""
    rates = {round(s.t): s.rps for s in run.total.seconds}
    seconds = tuple(
        (m.cpu_percent * MS_PER_S_PER_CPU_PERCENT, rates[round(m.t)])
        for m in run.mediator
        if m.cpu_percent is not None and rates.get(round(m.t), 0.0) > 0
    )
    whole = ratio(tuple(map(sum, zip(*seconds, strict=True)))) if seconds else None
    return RunSample(whole, seconds) if whole is not None else None


def _cpu_allowance_per_request(run: RunRecord) -> RunSample | None:
    """CPU per request over the cores the mediator may use: ms of CPU per core is ‰ of one second of its
    allowance. The same CPU per request under a limit of 0.2 core takes ten times the share it takes of 2 cores."""
    cpu, cores = _cpu_per_request(run), run.cpu_cores_allowed
    if cpu is None or cores is None:
        return None
    return RunSample(cpu.value / cores, tuple((ms / cores, requests) for ms, requests in cpu.seconds))


def _cores_unknown(run: RunRecord) -> str | None:
    if run.cpu_cores_allowed is not None or _cpu_per_request(run) is None:
        return None
    if not run.cores_recorded:
        return f"not available in {run.folder}: its export (an older release) records no cores the mediator may use"
    return f"not available in {run.folder}: the probe read no mediator process here, its cores are unknown"


def _memory_per_connection(run: RunRecord) -> RunSample | None:
    """The probe's slope of RSS over connections held (summary.json), resampled from mediator.csv."""
    if run.bytes_per_connection is None:
        return None
    seconds = tuple(
        (1.0, m.connections, m.rss_bytes, m.connections * m.connections, m.connections * m.rss_bytes)
        for m in run.mediator
        if m.connections is not None and m.rss_bytes is not None
    )
    return RunSample(run.bytes_per_connection, seconds)


def _throttling(run: RunRecord) -> RunSample | None:
    seconds = tuple((m.throttling, 1.0) for m in run.mediator if m.throttling is not None)
    return RunSample(sum(s[0] for s in seconds) / len(seconds), seconds) if seconds else None


def _delivery_lost(run: RunRecord) -> RunSample | None:
    """Lost messages over messages sent: a count would grow with the run's length."""
    if not run.delivery_sent or run.delivery_lost is None:
        return None
    seconds = tuple((d.lost_in_s, d.sent_in_s) for d in run.delivery if d.sent_in_s > 0)
    return RunSample(run.delivery_lost / run.delivery_sent, seconds)


def _delivery_p95(run: RunRecord) -> RunSample | None:
    if run.delivery_p95_ms is None:
        return None
    seconds = tuple(
        (math.log(d.p95_ms) * d.delivered_in_s, d.delivered_in_s)
        for d in run.delivery
        if d.p95_ms is not None and d.p95_ms > 0 and d.delivered_in_s > 0
    )
    return RunSample(run.delivery_p95_ms, seconds)


def _finite(value: object) -> float | None:
    """A number of summary.json's capacity section; None for anything else (a flag, text, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _capacity_figure(key: str) -> Callable[[RunRecord], RunSample | None]:
    def sample(run: RunRecord) -> RunSample | None:
        held = _finite(run.capacity.get(key)) if run.capacity else None
        return RunSample(held, exact=True) if held is not None else None

    return sample


def _wallets_held(run: RunRecord) -> RunSample | None:
    """A capacity search's agents held at its knee, else the most agents running at once."""
    if run.capacity is not None:
        return _capacity_figure("agents_held")(run)
    return RunSample(float(run.agents_peak), exact=True) if run.agents_peak else None


def _capacity_step(run: RunRecord) -> float:
    plan = run.capacity.get("plan") if run.capacity else None
    return (_finite(plan.get("step")) if isinstance(plan, dict) else None) or 0.0


def _wallets_resolution(run: RunRecord) -> float:
    """A capacity search knows the wallets held to one step's users times each user's agents."""
    held, users = (
        (_finite(run.capacity.get(k)) for k in ("agents_held", "users_held")) if run.capacity else (None, None)
    )
    if held is not None and users is not None and users > 0:
        return _capacity_step(run) * held / users
    return 0.0


RUN_FIGURES = (
    RunFigure("mediator_cpu_per_request", "mediator CPU per request", "ms", LOWER_IS_BETTER, ratio, _cpu_per_request),
    RunFigure(
        "mediator_cpu_allowance_per_request",
        "mediator CPU allowance per request",
        "‰",
        LOWER_IS_BETTER,
        ratio,
        _cpu_allowance_per_request,
        unavailable=_cores_unknown,
    ),
    RunFigure(
        "mediator_memory_per_connection",
        "mediator memory per connection",
        "B",
        LOWER_IS_BETTER,
        slope,
        _memory_per_connection,
    ),
    RunFigure("mediator_throttling", "mediator throttled", "", LOWER_IS_BETTER, ratio, _throttling),
    RunFigure("delivery_lost", "messages lost / sent", "", LOWER_IS_BETTER, ratio, _delivery_lost),
    RunFigure("delivery_p95", "delivery p95", "ms", LOWER_IS_BETTER, geometric, _delivery_p95),
    RunFigure(
        "wallets_held", "wallets held", "", HIGHER_IS_BETTER, ratio, _wallets_held, resolution=_wallets_resolution
    ),
    RunFigure(
        "users_held",
        "capacity: users held",
        "",
        HIGHER_IS_BETTER,
        ratio,
        _capacity_figure("users_held"),
        resolution=_capacity_step,
    ),
)
