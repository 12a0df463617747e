"""Two groups of runs side by side: whether they can be compared at all, and per figure whether the candidate
is better, worse or the same within the noise.

A change is beyond the noise when its interval (bootstrap.py) leaves out zero, its size reaches the noise floor
(the run-to-run spread of one host that the seconds of one run do not show; see docs/compare.md) and, for a
figure known to a resolution (a capacity search's step), exceeds that resolution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from mediator_tui.core.compare.bootstrap import (
    REPLICATES,
    Change,
    RunSample,
    Statistic,
    compare_groups,
    measurable,
)
from mediator_tui.core.compare.figures import ENDPOINT_FIGURES, LOWER_IS_BETTER, RUN_FIGURES, endpoint_sample
from mediator_tui.core.compare.runs import EndpointRun, RunRecord

BETTER, WORSE, SAME, NOT_COMPARABLE = "better", "worse", "same within noise", "not comparable"
NOISE_FLOOR = 0.10
# What makes two runs measure different things: then no figure of one says anything about the other.
MUST_MATCH = (
    ("scenario", "LOCUST_FILES"),
    ("shortest wait", "LOCUST_MIN_WAIT"),
    ("longest wait", "LOCUST_MAX_WAIT"),
)


@dataclass(frozen=True)
class FigureResult:
    metric: str
    label: str
    unit: str
    better: str  # LOWER_IS_BETTER or HIGHER_IS_BETTER
    verdict: str
    change: Change | None = None
    why: str = ""  # why not comparable


@dataclass(frozen=True)
class EndpointResult:
    type: str
    name: str
    figures: tuple[FigureResult, ...]

    @property
    def key(self) -> str:
        return f"{self.type} {self.name}" if self.type else self.name


@dataclass(frozen=True)
class Comparison:
    base: tuple[str, ...]  # the export folders of each side
    candidate: tuple[str, ...]
    refused: tuple[str, ...]  # why the runs cannot be compared, one line per setting; () when they can
    differences: tuple[tuple[str, str, str], ...]  # (setting or host fact, base, candidate) that differ
    notes: tuple[str, ...]
    total: EndpointResult | None = None
    endpoints: tuple[EndpointResult, ...] = ()
    run_figures: tuple[FigureResult, ...] = ()
    seed: int = 0
    noise_floor: float = NOISE_FLOOR
    replicates: int = REPLICATES

    @property
    def comparable(self) -> bool:
        return not self.refused


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "unset" if value is None else str(value)


def _scenario(run: RunRecord) -> object:
    files = run.settings.get("LOCUST_FILES")
    return sorted(map(str, files)) if isinstance(files, list) else sorted(run.locustfiles)


def _setting(run: RunRecord, key: str) -> object:
    return _scenario(run) if key == "LOCUST_FILES" else run.settings.get(key)


def refusals(base: Sequence[RunRecord], candidate: Sequence[RunRecord]) -> list[str]:
    """One line per setting that differs between any two runs and makes them incomparable."""
    first, lines = base[0], []
    for label, key in MUST_MATCH:
        if key != "LOCUST_FILES" and any(key not in run.settings for run in (*base, *candidate)):
            continue  # an export of an older release: the note says it was not checked
        for run in (*base[1:], *candidate):
            if _setting(run, key) != _setting(first, key):
                lines.append(
                    f"different {label} ({key}): {_shown(_setting(first, key))} in {first.folder}, "
                    f"{_shown(_setting(run, key))} in {run.folder}"
                )
                break
    return lines


def _differences(base: RunRecord, candidate: RunRecord) -> list[tuple[str, str, str]]:
    found = []
    for section, b, c in (("", base.settings, candidate.settings), ("host ", base.host, candidate.host)):
        for key in sorted(set(b) | set(c)):
            if b.get(key) != c.get(key):
                found.append((section + key, _shown(b.get(key)), _shown(c.get(key))))
    return found


def _notes(base: Sequence[RunRecord], candidate: Sequence[RunRecord]) -> list[str]:
    notes = []
    for run in (*base, *candidate):
        if run.partial:
            notes.append(f"{run.folder}: a partial run (ended early); its figures cover what was measured")
        if not run.settings:
            notes.append(f"{run.folder}: no settings in summary.json (an older release): the waits were not checked")
    if len(base) == 1 or len(candidate) == 1:
        notes.append(
            "one run on a side: the interval shows that run's second-to-second noise, not the host's "
            "run-to-run spread; the noise floor stands in for it (repeat runs for a tighter verdict)"
        )
    return notes


def verdict(change: Change, better: str, noise_floor: float, resolution: float = 0.0) -> str:
    if change.relative is not None and change.relative_low is not None and change.relative_high is not None:
        size, low, high = change.relative, change.relative_low, change.relative_high
        floor = noise_floor
    else:
        size, low, high, floor = change.absolute, change.absolute_low, change.absolute_high, 0.0
    beyond = (low > 0 or high < 0) and abs(size) >= floor and abs(change.absolute) > resolution
    if not beyond or size == 0:
        return SAME
    return WORSE if (size > 0) == (better == LOWER_IS_BETTER) else BETTER


@dataclass(frozen=True)
class _Judge:
    seed: int
    noise_floor: float
    replicates: int

    def figure(
        self,
        key: str,
        head: tuple[str, str, str, str],
        samples: tuple[Sequence[RunSample | None], Sequence[RunSample | None]],
        statistic: Statistic,
        resolution: float = 0.0,
        unavailable: Sequence[str] = (),
    ) -> FigureResult | None:
        """None for a figure neither side measured; `unavailable`: why runs that measured what it is made of
        still lack it (an export of an older release), shown rather than left out."""
        metric, label, unit, better = head
        base, candidate = samples
        if unavailable:
            return FigureResult(metric, label, unit, better, NOT_COMPARABLE, why="; ".join(unavailable))
        if all(s is None for s in (*base, *candidate)):
            return None
        if any(s is None for s in (*base, *candidate)):
            side = "the base" if any(s is None for s in base) else "the candidate"
            return FigureResult(metric, label, unit, better, NOT_COMPARABLE, why=f"not measured in {side}")
        if not all(measurable(s, statistic) for s in (*base, *candidate) if s is not None):
            side = "the base" if not all(s is not None and measurable(s, statistic) for s in base) else "the candidate"
            why = f"no per-second readings in {side} to tell a change from the noise"
            return FigureResult(metric, label, unit, better, NOT_COMPARABLE, why=why)
        change = compare_groups(
            [s for s in base if s],
            [s for s in candidate if s],
            statistic,
            seed=f"{self.seed}:{key}",
            replicates=self.replicates,
        )
        return FigureResult(metric, label, unit, better, verdict(change, better, self.noise_floor, resolution), change)

    def endpoint(self, base: Sequence[EndpointRun | None], candidate: Sequence[EndpointRun | None]) -> EndpointResult:
        known = next(e for e in (*base, *candidate) if e is not None)
        figures = []
        for f in ENDPOINT_FIGURES:
            if any(e is None for e in (*base, *candidate)):
                side = "the base" if any(e is None for e in base) else "the candidate"
                figures.append(
                    FigureResult(f.metric, f.label, f.unit, f.better, NOT_COMPARABLE, why=f"no such endpoint in {side}")
                )
                continue
            samples = ([endpoint_sample(f, e) for e in base if e], [endpoint_sample(f, e) for e in candidate if e])
            result = self.figure(f"{known.key}:{f.metric}", (f.metric, f.label, f.unit, f.better), samples, f.statistic)
            if result is not None:
                figures.append(result)
        return EndpointResult(known.type, known.name, tuple(figures))


def _endpoint_of(run: RunRecord, key: str) -> EndpointRun | None:
    return next((e for e in run.endpoints if e.key == key), None)


def compare(
    base: Sequence[RunRecord],
    candidate: Sequence[RunRecord],
    *,
    seed: int = 0,
    noise_floor: float = NOISE_FLOOR,
    replicates: int = REPLICATES,
) -> Comparison:
    """Compare two groups of runs (one run or several each); refused (no figures) when they differ in a
    setting of MUST_MATCH."""
    if not base or not candidate:
        raise ValueError("each side needs at least one run")
    head = Comparison(
        base=tuple(r.folder for r in base),
        candidate=tuple(r.folder for r in candidate),
        refused=tuple(refusals(base, candidate)),
        differences=tuple(_differences(base[0], candidate[0])),
        notes=tuple(_notes(base, candidate)),
        seed=seed,
        noise_floor=noise_floor,
        replicates=replicates,
    )
    if head.refused:
        return head
    judge = _Judge(seed, noise_floor, replicates)
    keys = list(dict.fromkeys(e.key for run in (*base, *candidate) for e in run.endpoints))
    endpoints = tuple(
        judge.endpoint([_endpoint_of(r, k) for r in base], [_endpoint_of(r, k) for r in candidate]) for k in keys
    )
    run_figures = []
    for f in RUN_FIGURES:
        samples = ([f.sample(r) for r in base], [f.sample(r) for r in candidate])
        resolution = max(f.resolution(r) for r in (*base, *candidate))
        unavailable = [why for why in map(f.unavailable, (*base, *candidate)) if why]
        result = judge.figure(
            f.metric, (f.metric, f.label, f.unit, f.better), samples, f.statistic, resolution, unavailable
        )
        if result is not None:
            run_figures.append(result)
    return replace(
        head,
        total=judge.endpoint([r.total for r in base], [r.total for r in candidate]),
        endpoints=endpoints,
        run_figures=tuple(run_figures),
    )
