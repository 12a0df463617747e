"""The capacity search: which step to run next, and the verdict once it knows.

Steps go up the ramp (start, start+step, ..., max) until one breaks a service
level. With a resolution, the search then bisects between the last step met and
the first broken one until they are at most `resolution` Locust users apart. The
verdict is told by the two bounds: the most users of a step held within the levels (the knee
lies between it and the next) and the fewest at which a level broke, with what broke first there (the first broken
level in the order the levels were given: the defaults first, then the user's),
the mediator's state at both bounds, and whether the harness rather than the
mediator set the bound.

The mediator's state at the knee is that of the step of `users_held`, the most it held within the
levels: there it still keeps up, so its CPU per request is its cost per request, the figure two runs
agree on (bench/README.md, "Capacity", with the Credo mediator's spread). The first broken step's state is kept beside it: past its core
a mediator answers fewer requests the harder it is pushed on the same CPU, so its CPU per request
there tells how deep into saturation that step fell rather than what a request costs.

Whatever level broke, the verdict says the mediator broke on throttling (`broke_on`) when its CPU limit cut short
a high share of its CFS periods at the first broken step (`THROTTLED_HIGH_PERCENT`, core/metrics/throttling.py):
the limit, not the host, set the knee. A broken step the probe could not read (a saturated mediator may answer it
late) is told by the last step held.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediator_tui.core.capacity.figures import StepFigures
from mediator_tui.core.capacity.levels import ServiceLevel, StepJudgement, judge
from mediator_tui.core.metrics.throttling import THROTTLED_HIGH_PERCENT

WORKER_CPU_LIMIT_PERCENT = 90.0  # a worker process is one Python thread: near one core it is the bottleneck
ADD_WORKERS = (
    "add workers: more on this host (LOCUST_WORKERS, up to one per core), or on other hosts "
    "`locust --worker -f <same locustfiles> --master-host <master address> --master-port <port>` "
    '(docs/headless.md "Processes")'
)


@dataclass(frozen=True)
class Verdict:
    users_held: int | None  # the most Locust users of a step that met every level; None: the first step broke
    users_broken: int | None  # the fewest Locust users of a step that broke a level; None: none broke up to the max
    broke_first: str | None  # category of the first broken level: latency, failures, onboarding, ...
    broken_levels: tuple[str, ...]  # every level broken at `users_broken`, with its value
    # "throttling": the mediator's CPU limit held it back in a high share of its periods where it broke; else None.
    broke_on: str | None
    at_held: StepFigures | None  # the step of `users_held`: the mediator's state at the knee
    at_broken: StepFigures | None  # the step of `users_broken`: the mediator's state past the knee
    limited_by: str | None  # "mediator" or "harness"; None when nothing broke and the harness had room
    harness_reasons: tuple[str, ...]
    advice: str
    steps: tuple[StepJudgement, ...]  # in the order they ran

    @property
    def first_step_broke(self) -> bool:
        return self.at_broken is not None and self.at_held is None

    @property
    def throttled_at(self) -> StepFigures | None:
        return throttling_step(self.at_held, self.at_broken)

    @property
    def agents_held(self) -> int | None:
        return self.at_held.agents_target if self.at_held else None

    @property
    def agents_broken(self) -> int | None:
        return self.at_broken.agents_target if self.at_broken else None

    def summary(self) -> str:
        if self.at_broken is None:
            reached = max((j.figures for j in self.steps), key=lambda f: f.users_target, default=None)
            line = f"no level broke up to {reached.counted() if reached else '0 users'}"
        elif self.at_held is None:
            line = f"the first step ({self.at_broken.counted()}) already broke: {', '.join(self.broken_levels)}"
        else:
            line = (
                f"held {self.at_held.counted()}; broke at {self.at_broken.counted()} on {', '.join(self.broken_levels)}"
            )
        if self.broke_on == "throttling":
            line += f"; the mediator broke on throttling: {throttled_words(self.throttled_at)}"
        if self.limited_by == "harness":
            line += (
                f"; the harness, not the mediator, set this bound ({'; '.join(self.harness_reasons)}): {self.advice}"
            )
        return line


def throttled_words(figures: StepFigures | None) -> str:
    """A step's throttling as the verdict says it."""
    if figures is None or figures.mediator_throttled_percent is None:
        return "not measured"
    return (
        f"its CPU limit cut short {figures.mediator_throttled_percent:.0f} % of its CFS periods "
        f"({figures.mediator_throttled_s or 0:.1f} s held back) at {figures.counted()}"
    )


def throttling_step(held: StepFigures | None, broken: StepFigures | None) -> StepFigures | None:
    """The step whose throttling tells `broke_on`: the first broken one, or the last held where the probe could
    not read the broken one; None when nothing broke."""
    if broken is None:
        return None
    return broken if broken.mediator_throttled_percent is not None else held


def broke_on(held: StepFigures | None, broken: StepFigures | None) -> str | None:
    """The verdict's `broke_on`: "throttling" when the mediator was throttled in a high share of its periods where
    it broke."""
    told = throttling_step(held, broken)
    share = told.mediator_throttled_percent if told else None
    return "throttling" if share is not None and share >= THROTTLED_HIGH_PERCENT else None


def harness_limits(figures: StepFigures) -> tuple[str, ...]:
    """Why the workers, not the mediator, may have set the bound at this step."""
    reasons = []
    if figures.worker_cpu_max_percent is not None and figures.worker_cpu_max_percent >= WORKER_CPU_LIMIT_PERCENT:
        reasons.append(f"a worker used {figures.worker_cpu_max_percent:.0f} % of a core")
    if figures.ports_refused:
        reasons.append(f"{figures.ports_refused} agents found no free port (START_PORT..END_PORT)")
    elif figures.port_headroom == 0:
        reasons.append("the port pool (START_PORT..END_PORT) was used up")
    if figures.agent_slots_headroom == 0:
        reasons.append("a worker holds the most agents its open-file limit and port slice allow")
    return tuple(reasons)


class CapacitySearch:
    def __init__(self, targets: tuple[int, ...], levels: tuple[ServiceLevel, ...], resolution: int | None = None):
        if not targets or list(targets) != sorted(set(targets)) or targets[0] < 1:
            raise ValueError(f"the ramp's steps must rise from at least 1 user, not {targets}")
        if resolution is not None and resolution < 1:
            raise ValueError(f"the bisection resolution must be at least 1 user, not {resolution}")
        self._ramp = list(targets)
        self._levels = levels
        self._resolution = resolution
        self._steps: list[StepJudgement] = []
        self._good: StepJudgement | None = None  # most users held
        self._bad: StepJudgement | None = None  # fewest users broken

    @property
    def steps(self) -> tuple[StepJudgement, ...]:
        return tuple(self._steps)

    def record(self, figures: StepFigures) -> StepJudgement:
        judgement = judge(figures, self._levels)
        self._steps.append(judgement)
        users = figures.users_target
        if judgement.met:
            if self._good is None or users > self._good.figures.users_target:
                self._good = judgement
        elif self._bad is None or users < self._bad.figures.users_target:
            self._bad = judgement
        return judgement

    def next_users(self) -> int | None:
        """The next step's Locust users, or None when the search is over."""
        if self._bad is None:
            done = self._good.figures.users_target if self._good else 0
            higher = [t for t in self._ramp if t > done]
            return higher[0] if higher else None
        if self._good is None or self._resolution is None:
            return None
        good, bad = self._good.figures.users_target, self._bad.figures.users_target
        if bad - good <= self._resolution:
            return None
        return (good + bad) // 2

    def verdict(self) -> Verdict:
        bad = self._bad
        # The harness is judged where the bound was set: the broken step, or the last one run.
        bound = bad.figures if bad else (self._steps[-1].figures if self._steps else None)
        reasons = harness_limits(bound) if bound else ()
        limited_by: str | None
        if bad is not None:
            limited_by = "harness" if reasons else "mediator"
        else:
            limited_by = "harness" if reasons else None
        return Verdict(
            users_held=self._good.figures.users_target if self._good else None,
            users_broken=bad.figures.users_target if bad else None,
            broke_first=bad.broken[0].level.category if bad else None,
            broken_levels=tuple(r.describe() for r in bad.broken) if bad else (),
            broke_on=broke_on(self._good.figures if self._good else None, bad.figures if bad else None),
            at_held=self._good.figures if self._good else None,
            at_broken=bad.figures if bad else None,
            limited_by=limited_by,
            harness_reasons=reasons,
            advice=ADD_WORKERS if reasons else "",
            steps=self.steps,
        )
