"""A run whose mediator spends known CPU on each part of its load: the truth the CPU breakdown must recover.

The recorded run (tests/recording/replay.py) with its probe readings, its ping series and its onboarding
points replaced by generated ones: connections held ramp up, hold, and drop; pings follow the connections
(one per wallet every 90 s) except for a minute in which every wallet pings three times as often; agents
onboard while the ramp spawns and again in a reconnect storm. The mediator's CPU at each tick is
`base + per_connection·connections + per_ping·pings/s + per_onboarding·onboardings/s` plus noise.
"""

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass

from mediator_tui.core.metrics.mediator_snapshot import MediatorPoint, MediatorSnapshot
from mediator_tui.core.metrics.onboarding import OnboardingPoint, OnboardingSnapshot
from mediator_tui.core.metrics.snapshot import SeriesPoint, Snapshot
from tests.recording.replay import running_run

T0 = 10_000.0
SECONDS = 600


@dataclass(frozen=True)
class Costs:
    per_connection_ms_per_s: float = 0.05
    per_ping_ms: float = 0.9
    per_onboarding_ms: float = 35.0
    base_ms_per_s: float = 20.0


@dataclass(frozen=True)
class Tick:
    t: float
    connections: float
    pings_per_s: float
    onboardings_per_s: float


def connections_at(i: int) -> float:
    """Up by 5 a second to 1,500, held, then a third lost and taken back in a storm (from 450 s)."""
    if i < 300:
        return 5.0 * i
    if i < 450:
        return 1500.0
    return 1000.0 + min(500.0, 10.0 * (i - 450))


def ramp_load(i: int) -> Tick:
    connections = connections_at(i)
    pings = connections / 90.0 * (3.0 if 330 <= i < 390 else 1.0)
    onboardings = 5.0 if i < 300 else (10.0 if 450 <= i < 500 else 0.0)
    return Tick(T0 + i, connections, pings, onboardings)


def cpu_ms_per_s(tick: Tick, costs: Costs) -> float:
    return (
        costs.base_ms_per_s
        + costs.per_connection_ms_per_s * tick.connections
        + costs.per_ping_ms * tick.pings_per_s
        + costs.per_onboarding_ms * tick.onboardings_per_s
    )


def loaded_run(
    costs: Costs = Costs(),
    load: Callable[[int], Tick] = ramp_load,
    noise_ms_per_s: float = 5.0,
    seconds: int = SECONDS,
    seed: int = 7,
) -> Snapshot:
    """The recorded run with `seconds` of generated probe readings, pings and onboardings."""
    rng = random.Random(seed)
    ticks = [load(i) for i in range(seconds)]
    cpu = [max(0.0, cpu_ms_per_s(tick, costs) + rng.gauss(0.0, noise_ms_per_s)) / 10.0 for tick in ticks]
    history = tuple(
        MediatorPoint(t=tick.t, cpu_percent=percent, connections=round(tick.connections))
        for tick, percent in zip(ticks, cpu, strict=True)
    )
    recorded = running_run()
    # The store polls the master a moment after the probe's tick: its points are not at the same instants.
    series = tuple(
        dataclasses.replace(
            s, points=tuple(SeriesPoint(tick.t + 0.4, tick.pings_per_s, 0.0, 20.0, 40.0, 60.0) for tick in ticks)
        )
        if s.name == "ping_mediator"
        else s
        for s in recorded.history
    )
    onboarded, points = 0.0, []
    for tick in ticks:
        onboarded += tick.onboardings_per_s
        points.append(OnboardingPoint(tick.t + 0.4, round(onboarded), tick.onboardings_per_s, 0, 0, 0))
    return dataclasses.replace(
        recorded,
        taken_at=ticks[-1].t + 0.5,
        history=series,
        mediator=MediatorSnapshot(known=True, sources=("process",), cpu_percent_max=max(cpu), history=history),
        onboarding=OnboardingSnapshot(known=True, onboarded=round(onboarded), points=tuple(points)),
    )
