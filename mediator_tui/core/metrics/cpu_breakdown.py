"""What the mediator's CPU is spent on: holding connections, answering pings, onboarding agents.

From one run's probe readings (docs/metrics.md "What the mediator's CPU is spent on"): at each tick the
mediator's CPU in ms per second is modelled as

    cpu = base + per_connection · connections held + per_ping · pings/s + per_onboarding · onboardings/s

and the four costs are estimated by least squares over the ticks (core/metrics/least_squares.py). Holding a
connection costs CPU with no traffic (ACA-Py pings every websocket every 3 s by default); a ping and an
onboarding cost it per request. Each cost is only as good as the run lets it be: it needs its regressor to
vary (a ramp varies connections held, its spawning the onboarding rate) and to vary apart
from the others (at fixed waits the ping rate follows the connections held, and the two cannot be told
apart). A cost the run cannot determine has no value and says why; a negative one is reported as such.

Rates are the metric store's, over its rate window (3 s), against the probe's CPU over its tick (1 s): a
step in the load blurs over a few ticks, small against a run's hundreds. Ticks the mediator did not answer
(saturated or stalled) are left out: there work queues, and the rates the workers see are not what its CPU
did in that tick.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from mediator_tui.common.numbers import checked
from mediator_tui.core.metrics.least_squares import Fit, fit
from mediator_tui.core.metrics.snapshot import Snapshot

PING_ENDPOINT = "ping_mediator"
MS_PER_S_PER_CPU_PERCENT = 10.0  # 1 % of one core is 10 ms of CPU each second
MIN_SAMPLES = 20  # probe readings the four costs need before any is told
# A regressor that spread less than this over the run did not vary: its cost is in the base.
MIN_SPREAD = {"connections": 10.0, "pings": 1.0, "onboardings": 0.5}
# Beyond this r² against the others, a regressor moved in step with them: its own cost is not told apart.
COLLINEAR_R2 = 0.95
NOISE_SE = 2.0  # an estimate closer to zero than this many standard errors is within the noise

# The regressors in the model's order: key, what the words call it, its unit, and the words when it was all 0.
_REGRESSORS = (
    ("connections", "connections held", "connections", "no connection held in this run"),
    ("pings", f"the ping rate ({PING_ENDPOINT})", "pings/s", f"no ping ({PING_ENDPOINT}) in this run"),
    ("onboardings", "the onboarding rate", "onboardings/s", "no onboarding in this run"),
)


@dataclass(frozen=True)
class CpuSample:
    """One probe tick: the mediator's CPU and the load it served then; None where not read."""

    t: float
    cpu_ms_per_s: float | None
    connections: float | None
    pings_per_s: float | None
    onboardings_per_s: float | None

    def values(self) -> tuple[float, float, float, float] | None:
        """The tick's four readings, or None when one is missing or not a reading (NaN, negative)."""
        read = [
            checked(v, minimum=0)[0]
            for v in (self.cpu_ms_per_s, self.connections, self.pings_per_s, self.onboardings_per_s)
        ]
        cpu, connections, pings, onboardings = read
        if cpu is None or connections is None or pings is None or onboardings is None:
            return None
        return cpu, connections, pings, onboardings


@dataclass(frozen=True)
class Estimate:
    value: float | None  # None: this run does not determine it (`why_not`)
    stderr: float | None = None
    why_not: str = ""
    note: str = ""  # what to make of a value (negative, within the noise)

    def said(self, unit: str, what: str) -> str:
        if self.value is None:
            return f"{what} not determinable ({self.why_not})"
        spread = "" if self.stderr is None else f" ± {_figure(self.stderr, 1)}"
        note = f" ({self.note})" if self.note else ""
        return f"{_figure(self.value)}{spread} {unit} {what}{note}"


@dataclass(frozen=True)
class CpuBreakdown:
    per_connection_ms_per_s: Estimate  # CPU of holding one connection with no traffic, ms each second
    per_ping_ms: Estimate
    per_onboarding_ms: Estimate
    base_ms_per_s: Estimate  # what the mediator spends whatever the load, with the cost of a part that did not vary
    samples: int  # probe readings the estimates come from
    seconds: float  # the seconds of the run they cover

    def said(self) -> str:
        """The four costs in words, as the end-of-run summary prints them."""
        if self.samples < MIN_SAMPLES:
            return f"not split ({self.base_ms_per_s.why_not})"
        parts = (
            self.per_connection_ms_per_s.said("ms/s", "per idle connection"),
            self.per_ping_ms.said("ms", "per ping"),
            self.per_onboarding_ms.said("ms", "per onboarding"),
            self.base_ms_per_s.said("ms/s", "base"),
        )
        return f"{', '.join(parts)} (from {self.seconds:.0f} s of probe readings)"


@dataclass(frozen=True)
class CpuSplit:
    """What each part of the load took of the mediator's CPU over a window, by the run's estimated costs."""

    breakdown: CpuBreakdown
    cpu_ms_per_s: float  # the mediator's mean CPU over the window's readings
    connections: float  # the window's means
    pings_per_s: float
    onboardings_per_s: float

    def shares(self) -> tuple[tuple[str, float | None], ...]:
        """(what, % of the window's CPU) for connections held, pings and onboarding; None: not determinable."""
        load = (
            (f"holding {self.connections:.0f} connections", self.breakdown.per_connection_ms_per_s, self.connections),
            ("pings", self.breakdown.per_ping_ms, self.pings_per_s),
            ("onboarding", self.breakdown.per_onboarding_ms, self.onboardings_per_s),
        )
        return tuple(
            (what, None if cost.value is None else 100.0 * cost.value * rate / self.cpu_ms_per_s)
            for what, cost, rate in load
        )


def window_split(snapshot: Snapshot, window: tuple[float, float]) -> CpuSplit | None:
    """The split of the mediator's CPU inside `window`, by the costs estimated over the run so far; None when
    no probe reading in the window holds the mediator's CPU (above 0) and its load."""
    samples = cpu_samples(snapshot)
    inside = [values for s in samples if window[0] <= s.t <= window[1] and (values := s.values()) is not None]
    if not inside or not (cpu := statistics.fmean(v[0] for v in inside)):
        return None
    means = [statistics.fmean(v[j] for v in inside) for j in range(1, 4)]
    return CpuSplit(estimate(samples), cpu, *means)


def cpu_samples(snapshot: Snapshot) -> list[CpuSample]:
    """The probe's ticks the mediator answered, with the ping and onboarding rates at the same moment."""
    ping_series = next((s for s in snapshot.history if s.name == PING_ENDPOINT), None)
    pings = [(p.t, p.rps) for p in ping_series.points] if ping_series else []
    onboardings: list[tuple[float, float | None]] = [(p.t, p.per_s) for p in snapshot.onboarding.points]
    tolerance = 1.0 + max(snapshot.history_step_s, snapshot.onboarding.seconds_per_point)
    return [
        CpuSample(
            t=p.t,
            cpu_ms_per_s=None if p.cpu_percent is None else p.cpu_percent * MS_PER_S_PER_CPU_PERCENT,
            connections=None if p.connections is None else float(p.connections),
            pings_per_s=_rate_at(pings, p.t, tolerance),
            onboardings_per_s=_rate_at(onboardings, p.t, tolerance),
        )
        for p in snapshot.mediator.history
        if not p.state
    ]


def _rate_at(points: Sequence[tuple[float, float | None]], t: float, tolerance: float) -> float | None:
    """The rate at `t` (`points` in time order): the nearest point's within `tolerance`; 0 before the first
    (none had happened yet, or none in the run); None in a gap of the history."""
    if not points or t < points[0][0] - tolerance:
        return 0.0
    after = bisect.bisect_left(points, t, key=lambda point: point[0])
    nearest = min(points[max(0, after - 1) : after + 1], key=lambda point: abs(point[0] - t))
    return nearest[1] if abs(nearest[0] - t) <= tolerance else None


def estimate(samples: Iterable[CpuSample]) -> CpuBreakdown:
    """The four costs by least squares over the samples that hold every reading."""
    kept = [(s.t, values) for s in samples if (values := s.values()) is not None]
    seconds = len(kept) * _spacing([t for t, _ in kept])
    if len(kept) < MIN_SAMPLES:
        why = f"{len(kept)} probe readings with the mediator's CPU and its load, needs {MIN_SAMPLES}"
        none = Estimate(None, why_not=why)
        return CpuBreakdown(none, none, none, none, len(kept), seconds)
    ys = [v[0] for _, v in kept]
    columns = [[v[j + 1] for _, v in kept] for j in range(len(_REGRESSORS))]
    why_not = {j: _did_not_vary(j, columns[j]) for j in range(len(_REGRESSORS))}
    model = [j for j in range(len(_REGRESSORS)) if not why_not[j]]
    # What varied too little is in the base (what was 0 throughout costs nothing there).
    unvaried = [_REGRESSORS[j][1] for j in range(len(_REGRESSORS)) if why_not[j] and any(columns[j])]
    # Regressors that moved exactly together have no unique fit: one is kept for them all. The base alone
    # (no regressor left) always fits MIN_SAMPLES readings.
    stands_for: dict[int, list[str]] = {j: [] for j in model}
    while (result := fit([[columns[j][i] for j in model] for i in range(len(ys))], ys)) is None:
        partner, dropped = _most_collinear(model, columns)
        why_not[dropped] = _in_step(dropped, model, columns, 1.0)
        stands_for[partner] += [_REGRESSORS[dropped][1], *stands_for[dropped]]
        model.remove(dropped)
    costs = {j: _slope(result, model.index(j), stands_for[j]) for j in model}
    for position, j in enumerate(model):
        if result.r2_with_others[position] > COLLINEAR_R2:
            why_not[j] = _in_step(j, model, columns, result.r2_with_others[position])
    estimates = [Estimate(None, why_not=why_not[j]) if why_not[j] else costs[j] for j in range(len(_REGRESSORS))]
    base = _estimate(result.intercept, result.intercept_se)
    if unvaried:
        base = Estimate(base.value, base.stderr, note=_join([base.note, f"includes {' and '.join(unvaried)}"]))
    return CpuBreakdown(estimates[0], estimates[1], estimates[2], base, len(kept), seconds)


def _slope(result: Fit, position: int, stands_for: list[str]) -> Estimate:
    estimate = _estimate(result.slopes[position], result.slopes_se[position])
    if not stands_for:
        return estimate
    with_it = f"stands for {' and '.join(stands_for)} as well, which moved exactly with it"
    return Estimate(estimate.value, estimate.stderr, note=_join([estimate.note, with_it]))


def _estimate(value: float, stderr: float | None) -> Estimate:
    if stderr is not None and abs(value) < NOISE_SE * stderr:
        return Estimate(value, stderr, note="within the noise: no cost this run can tell from zero")
    if value < 0:
        return Estimate(
            value, stderr, note="negative: the model misses what else the mediator spent its CPU on in this run"
        )
    return Estimate(value, stderr)


def _did_not_vary(j: int, column: list[float]) -> str:
    key, name, unit, none = _REGRESSORS[j]
    low, high = min(column), max(column)
    if high - low >= MIN_SPREAD[key]:
        return ""
    if high == 0:
        return none
    return f"{name} did not vary: {_figure(low)} to {_figure(high)} {unit}, needs a spread of {MIN_SPREAD[key]:g}"


def _in_step(j: int, model: list[int], columns: list[list[float]], r2: float) -> str:
    others = [k for k in model if k != j]
    partner = max(others, key=lambda k: _r2(columns[j], columns[k]), default=None)
    with_what = _REGRESSORS[partner][1] if partner is not None else "the others"
    return f"{_REGRESSORS[j][1]} moved in step with {with_what} (r² {r2:.3f}): this run cannot tell their costs apart"


def _most_collinear(model: list[int], columns: list[list[float]]) -> tuple[int, int]:
    """Of regressors that moved exactly together, the most correlated pair: the one kept (the earlier in the
    model's order) and the one left out."""
    pairs = [(a, b) for i, a in enumerate(model) for b in model[i + 1 :]]
    return max(pairs, key=lambda pair: _r2(columns[pair[0]], columns[pair[1]]))


def _r2(xs: list[float], ys: list[float]) -> float:
    try:
        return statistics.correlation(xs, ys) ** 2
    except statistics.StatisticsError:  # one of them constant
        return 0.0


def _spacing(times: list[float]) -> float:
    """Seconds between probe readings: 1, more where the history was thinned out over a long run."""
    gaps = [b - a for a, b in pairwise(times) if b > a]
    return max(1.0, statistics.median(gaps)) if gaps else 1.0


def _join(notes: list[str]) -> str:
    return "; ".join(n for n in notes if n)


def _figure(value: float, significant: int = 2) -> str:
    """A figure as the words give it: two significant digits for a cost, enough for what the model can tell,
    one for its standard error."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = max(0, significant - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{digits}f}"
