"""How far a change between two groups of runs could be the host's noise: a moving-block bootstrap.

A figure of a run is a statistic of its seconds, each second a vector of additive parts (a ratio's numerator
and denominator, a slope's sums): the statistic of any resample is that of the summed parts, so a resample
costs a sum over blocks, not a pass over the seconds. Neighbouring seconds are alike (the rates and
percentiles of a second cover a window of several), so whole blocks of seconds are drawn, not single ones
(Künsch 1989; https://en.wikipedia.org/wiki/Bootstrapping_(statistics)#Block_bootstrap). With several runs
per group, the runs are drawn too, then the seconds within each: the spread between runs, usually the larger
part of this host's noise, is then inside the interval.

Everything here is a pure function of its inputs and a seed: the same runs give the same interval."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

Parts = tuple[float, ...]  # one second's additive parts
Statistic = Callable[[Parts], float | None]  # the figure from summed parts; None when they define none

REPLICATES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class RunSample:
    """One run's figure and the seconds it came from; `exact`: a figure known exactly (a count), no seconds."""

    value: float
    seconds: tuple[Parts, ...] = ()
    exact: bool = False


def measurable(sample: RunSample, statistic: Statistic) -> bool:
    """Whether the sample's noise can be told: a figure known exactly, or seconds that define the statistic."""
    if sample.exact:
        return True
    return bool(sample.seconds) and statistic(tuple(map(sum, zip(*sample.seconds, strict=True)))) is not None


@dataclass(frozen=True)
class Change:
    """The candidate against the base: the change, relative (None when the base is 0) and absolute, and the
    interval of each at CONFIDENCE."""

    base: float
    candidate: float
    relative: float | None
    relative_low: float | None
    relative_high: float | None
    absolute: float
    absolute_low: float
    absolute_high: float


def ratio(parts: Parts) -> float | None:
    """parts = (numerator, denominator)."""
    return parts[0] / parts[1] if parts[1] > 0 else None


def geometric(parts: Parts) -> float | None:
    """parts = (Σ weight·ln(value), Σ weight): the weighted geometric mean. Latency percentiles of single
    seconds spread over orders of magnitude; on a log scale one slow second does not swamp the others."""
    return math.exp(parts[0] / parts[1]) if parts[1] > 0 else None


def slope(parts: Parts) -> float | None:
    """parts = (n, Σx, Σy, Σx², Σxy): the least-squares slope of y on x."""
    n, sx, sy, sxx, sxy = parts
    spread = n * sxx - sx * sx
    return (n * sxy - sx * sy) / spread if spread > 0 else None


def block_length(seconds: int) -> int:
    """About the cube root of the run's length (the usual order for a moving-block bootstrap), at least 4 s:
    more than the 3 s window a second's rate and percentiles cover, so that a block holds most of their
    correlation, yet short enough that a run of half a minute still has several blocks."""
    cube_root: float = float(seconds) ** (1 / 3)
    return max(1, min(seconds, max(4, round(cube_root))))


class _Blocks:
    """One run's seconds as prefix sums, one list per part, so that any block's parts are a subtraction away;
    and each whole block's parts, by where it starts, so that a resample's are a sum of looked-up values."""

    def __init__(self, sample: RunSample, statistic: Statistic):
        seconds = sample.seconds
        self.statistic = statistic
        self.count = len(seconds)
        self.length = block_length(self.count) if seconds else 0
        self.prefix: list[list[float]] = []
        for column in zip(*seconds, strict=True):
            running, sums = 0.0, [0.0]
            for value in column:
                running += value
                sums.append(running)
            self.prefix.append(sums)
        self.observed = statistic(tuple(sums[-1] for sums in self.prefix)) if seconds else None
        starts = range(self.count - self.length + 1)
        self.block_sums = [[sums[start + self.length] - sums[start] for start in starts] for sums in self.prefix]
        # A resample is as long as the run: whole blocks, then one cut to what is left.
        self.whole_blocks, self.rest = divmod(self.count, self.length) if seconds else (0, 0)
        self.blocks = self.whole_blocks + (1 if self.rest else 0)

    def factor(self, rng: random.Random) -> float:
        """A resample's statistic over the whole run's: how much this run's figure could have come out
        otherwise. 1 for a figure known exactly or a resample that defines none."""
        if not self.prefix or not self.observed:
            return 1.0
        randrange, block_starts = rng.randrange, len(self.block_sums[0])
        starts = [randrange(block_starts) for _ in range(self.whole_blocks)]
        last = randrange(self.count - self.rest + 1) if self.rest else 0
        summed = tuple(
            sum(map(blocks.__getitem__, starts)) + sums[last + self.rest] - sums[last]
            for blocks, sums in zip(self.block_sums, self.prefix, strict=True)
        )
        value = self.statistic(summed)
        return value / self.observed if value is not None else 1.0


def _group_draw(runs: Sequence[RunSample], blocks: Sequence[_Blocks], rng: random.Random) -> float:
    """One resample of a group: its runs drawn with replacement (when there are several), each run's figure
    resampled from its seconds; the group's figure is the mean of its runs'."""
    picks = [rng.randrange(len(runs)) for _ in runs] if len(runs) > 1 else [0]
    return sum(runs[i].value * blocks[i].factor(rng) for i in picks) / len(picks)


def _independent_draws(runs: Sequence[RunSample], blocks: Sequence[_Blocks]) -> int | None:
    """How many independent pieces a group's resamples are made of: its runs, or one run's blocks; None for
    a figure known exactly."""
    if len(runs) > 1:
        return len(runs)
    return blocks[0].blocks or None


def _t_quantile(p: float, freedom: int) -> float:
    """Student's t quantile: exact for 1 and 2 degrees of freedom, else the Cornish-Fisher expansion
    (Abramowitz and Stegun 26.7.5), within 1 % of the tables from 3 on."""
    if freedom == 1:
        return math.tan(math.pi * (p - 0.5))
    if freedom == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z, v = NormalDist().inv_cdf(p), float(freedom)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def expanded_tail(tail: float, pieces: int | None) -> float:
    """The tail to read a percentile interval at so that it is as wide as a t interval from `pieces`
    independent pieces: the percentile interval of a small sample is too narrow (Hesterberg, "What Teachers
    Should Know About the Bootstrap", 2015, sec. 4.4; https://arxiv.org/abs/1411.5279). None: exact, unchanged."""
    if pieces is None:
        return tail
    if pieces < 2:
        return 0.0  # one piece says nothing of the spread: the whole range of the resamples
    return NormalDist().cdf(math.sqrt(pieces / (pieces - 1)) * _t_quantile(tail, pieces - 1))


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def compare_groups(
    base: Sequence[RunSample],
    candidate: Sequence[RunSample],
    statistic: Statistic,
    *,
    seed: int | str = 0,
    replicates: int = REPLICATES,
    confidence: float = CONFIDENCE,
) -> Change:
    """The change from the base group's figure to the candidate's (each the mean of its runs') and its
    percentile-bootstrap interval. `seed` makes the draws, hence the interval, reproducible."""
    if not base or not candidate:
        raise ValueError("each side needs at least one run")
    rng = random.Random(f"compare:{seed}")
    base_blocks = [_Blocks(run, statistic) for run in base]
    candidate_blocks = [_Blocks(run, statistic) for run in candidate]
    base_value = sum(run.value for run in base) / len(base)
    candidate_value = sum(run.value for run in candidate) / len(candidate)
    relatives, absolutes = [], []
    for _ in range(replicates):
        b = _group_draw(base, base_blocks, rng)
        c = _group_draw(candidate, candidate_blocks, rng)
        absolutes.append(c - b)
        if b > 0:
            relatives.append(c / b - 1)
    sides = [_independent_draws(base, base_blocks), _independent_draws(candidate, candidate_blocks)]
    known = [pieces for pieces in sides if pieces is not None]
    tail = expanded_tail((1 - confidence) / 2, min(known) if known else None)
    absolutes.sort()
    relatives.sort()
    absolute_low, absolute_high = _quantile(absolutes, tail), _quantile(absolutes, 1 - tail)
    if base_value <= 0:
        relative_interval: tuple[float | None, float | None] = (None, None)
    elif len(relatives) == replicates:
        relative_interval = (_quantile(relatives, tail), _quantile(relatives, 1 - tail))
    else:
        # Some resamples of the base came out 0 (a run mostly idle): the change's interval over the base's figure.
        relative_interval = (absolute_low / base_value, absolute_high / base_value)
    return Change(
        base=base_value,
        candidate=candidate_value,
        relative=candidate_value / base_value - 1 if base_value > 0 else None,
        relative_low=relative_interval[0],
        relative_high=relative_interval[1],
        absolute=candidate_value - base_value,
        absolute_low=absolute_low,
        absolute_high=absolute_high,
    )
