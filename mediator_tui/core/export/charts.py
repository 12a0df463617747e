"""Which charts a report has and what they plot; the SVG and plotext renderers draw these."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mediator_tui.core.metrics.history import P
from mediator_tui.core.metrics.snapshot import Snapshot

MB = 1_000_000


@dataclass(frozen=True)
class Line:
    label: str
    points: tuple[tuple[float, float], ...]  # (seconds since the first point, value); unknown values left out


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    lines: tuple[Line, ...]
    x_label: str = ""  # what x is when it is not the seconds since the run's start (a step's Locust users)

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)


def _line(label: str, items: Iterable[P], start: float, value: Callable[[P], float | None]) -> Line:
    points = []
    for item in items:
        y = value(item)
        if y is not None:
            points.append((item.t - start, float(y)))
    return Line(label, tuple(points))


def report_charts(snapshot: Snapshot) -> list[Chart]:
    aggregated = snapshot.series()
    requests = aggregated.points if aggregated else ()
    resources = snapshot.resources
    mediator = snapshot.mediator.history
    firsts = [seq[0].t for seq in (requests, resources, mediator) if seq]
    start = min(firsts) if firsts else snapshot.taken_at
    # Beside the CPU, the share of its CFS periods its CPU limit cut short, where its cgroup's counters were read.
    throttled = _line("throttled, % of CFS periods", mediator, start, lambda p: p.throttled and p.throttled.percent)
    return [
        Chart(
            "Requests per second",
            "req/s",
            (
                _line("requests/s", requests, start, lambda p: p.rps),
                _line("failures/s", requests, start, lambda p: p.fail_per_s),
            ),
        ),
        Chart(
            "Latency percentiles",
            "ms",
            (
                _line("p50", requests, start, lambda p: p.p50_ms),
                _line("p95", requests, start, lambda p: p.p95_ms),
                _line("p99", requests, start, lambda p: p.p99_ms),
            ),
        ),
        Chart(
            "Users and agents",
            "count",
            (
                _line("users", resources, start, lambda p: p.users),
                _line("agents running", resources, start, lambda p: p.agents_running),
                _line("agents crashed", resources, start, lambda p: p.agents_crashed),
            ),
        ),
        Chart(
            "Agent memory",
            "MB",
            (
                _line("unique", resources, start, lambda p: None if p.unique_bytes is None else p.unique_bytes / MB),
                _line("shared", resources, start, lambda p: None if p.shared_bytes is None else p.shared_bytes / MB),
            ),
        ),
        Chart(
            "Mediator CPU",
            "% of a core",
            (_line("cpu", mediator, start, lambda p: p.cpu_percent), *((throttled,) if throttled.points else ())),
        ),
        Chart(
            "Mediator memory",
            "MB",
            (
                _line("rss", mediator, start, lambda p: None if p.rss_bytes is None else p.rss_bytes / MB),
                _line("uss", mediator, start, lambda p: None if p.uss_bytes is None else p.uss_bytes / MB),
            ),
        ),
    ]
