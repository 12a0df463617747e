"""Runs for the comparison's tests: synthetic ones drawn from a known distribution, and exports of the recorded
run, as recorded or made slower."""

from __future__ import annotations

import atexit
import dataclasses
import json
import math
import random
import shutil
import tempfile
from pathlib import Path

from mediator_tui.core.compare.runs import EndpointRun, MediatorSecond, RunRecord
from mediator_tui.core.export import write_export
from mediator_tui.core.export.run_facts import run_settings
from mediator_tui.core.metrics.snapshot import AGGREGATED, SeriesPoint, Snapshot
from tests.recording.replay import ended_run

WAITS = {"LOCUST_MIN_WAIT": 0.2, "LOCUST_MAX_WAIT": 0.5}
SCENARIO = ["locustMediatorPing.py"]


def drawn_run(
    rng: random.Random,
    *,
    latency_ms: float = 100.0,
    cpu_ms_per_request: float = 5.0,
    cpu_cores_allowed: float | None = 2.0,
    cores_recorded: bool = True,
    seconds: int = 120,
    folder: str = "run",
    settings: dict | None = None,
) -> RunRecord:
    """A run of `seconds` of pings whose per-second p95 and CPU per request scatter (about 10 %, lognormal)
    around the given figures; neighbouring seconds are alike, as a 3 s rate window makes them. The mediator may
    use `cpu_cores_allowed` (its CPU limit, else the host's cores); `cores_recorded=False` makes the run an
    export of a release that did not record them."""

    def wobble(count: int) -> list[float]:
        raw = [rng.lognormvariate(0.0, 0.15) for _ in range(count + 2)]
        return [sum(raw[i : i + 3]) / 3 for i in range(count)]

    p95s, cpus = wobble(seconds), wobble(seconds)
    rps = [rng.uniform(40, 60) for _ in range(seconds)]
    history = tuple(
        SeriesPoint(
            t=1000.0 + i,
            rps=rps[i],
            fail_per_s=0.0,
            p50_ms=latency_ms * p95s[i] / 3,
            p95_ms=latency_ms * p95s[i],
            p99_ms=latency_ms * p95s[i] * 1.5,
        )
        for i in range(seconds)
    )
    mediator = tuple(
        MediatorSecond(
            t=1000.0 + i, cpu_percent=cpu_ms_per_request * cpus[i] * rps[i] / 10, rss_bytes=None, connections=None
        )
        for i in range(seconds)
    )
    count = int(sum(rps))
    # The run's p95 as the rps-weighted geometric mean of its seconds': the figure the bootstrap resamples.
    p95 = latency_ms * math.exp(sum(math.log(v) * r for v, r in zip(p95s, rps, strict=True)) / sum(rps))

    def endpoint(kind: str, name: str) -> EndpointRun:
        return EndpointRun(kind, name, count, 0, sum(rps) / seconds, p95 / 3, p95, p95 * 1.5, seconds=history)

    return RunRecord(
        folder=folder,
        settings={"LOCUST_FILES": SCENARIO, **WAITS, **(settings or {})},
        host={},
        locustfiles=tuple(SCENARIO),
        partial=False,
        total=endpoint("", AGGREGATED),
        endpoints=(endpoint("DIDComm", "ping_mediator"),),
        mediator=mediator,
        cpu_cores_allowed=cpu_cores_allowed if cores_recorded else None,
        cores_recorded=cores_recorded,
    )


def slower(snapshot: Snapshot, factor: float) -> Snapshot:
    """The same run with every latency `factor` times longer (the requests' and each second's)."""

    def scaled(value: float | None) -> float | None:
        return None if value is None else value * factor

    def row(r):
        return dataclasses.replace(r, p50_ms=scaled(r.p50_ms), p95_ms=scaled(r.p95_ms), p99_ms=scaled(r.p99_ms))

    history = tuple(
        dataclasses.replace(
            series,
            points=tuple(
                dataclasses.replace(p, p50_ms=scaled(p.p50_ms), p95_ms=scaled(p.p95_ms), p99_ms=scaled(p.p99_ms))
                for p in series.points
            ),
        )
        for series in snapshot.history
    )
    return dataclasses.replace(
        snapshot, total=row(snapshot.total), requests=tuple(map(row, snapshot.requests)), history=history
    )


# Exports of the recorded run already written in this test process, by factor and settings: writing one costs more
# than a property test's example, so each is written once and copied from then on.
_WRITTEN: dict[tuple[float, str], Path] = {}


def export_recorded(folder: Path, *, factor: float = 1.0, **settings: object) -> Path:
    """The recorded run (its latencies times `factor`) exported into `folder`, with the waits and scenario of
    the drawn runs unless `settings` say otherwise."""
    key = (factor, json.dumps(settings, sort_keys=True, default=repr))
    if key not in _WRITTEN:
        written = Path(tempfile.mkdtemp(prefix="recorded-export-"))
        atexit.register(shutil.rmtree, written, ignore_errors=True)
        snapshot = ended_run()
        given = {"LOCUST_FILES": SCENARIO, **WAITS, **settings}
        write_export(written, slower(snapshot, factor) if factor != 1.0 else snapshot, settings=run_settings({}, given))
        _WRITTEN[key] = written
    shutil.copytree(_WRITTEN[key], folder, dirs_exist_ok=True)
    return folder
