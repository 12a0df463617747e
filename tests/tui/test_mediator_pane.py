"""The Mediator pane shows what the store computed of the mediator's side, and says what it cannot read."""

from __future__ import annotations

from mediator_tui.core.probe import MetricsSample, ProbeSample, ProcessSample
from mediator_tui.tui import format as fmt
from mediator_tui.tui.panes.mediator import MediatorPane
from tests.recording.replay import RUNNING_AT_S, replay

MB = 1_000_000


def probed(established: int, *, stalled: bool = False, metrics_error: str | None = None):
    """The recorded run (6 agents running) with 5 s of probe readings of the embedded mediator."""
    store, clock = replay(until_s=RUNNING_AT_S)
    for _ in range(5):
        clock.t += 1.0
        process = ProcessSample(pid=4242, status="stopped" if stalled else "sleeping",
                                cpu_percent=0.0 if stalled else 33.3, rss_bytes=150 * MB, uss_bytes=120 * MB,
                                open_fds=61, threads=9, established=established, stalled=stalled)
        metrics = MetricsSample(error=metrics_error) if metrics_error else None
        store.feed_probe(ProbeSample(at=clock.t, took_s=0.01, process=process, metrics=metrics,
                                     stalled_by=("process",) if stalled else ()))
    return store.snapshot()


def pane_text(pilot) -> str:
    pane = pilot.app.screen.query_one(MediatorPane)
    return str(pane.query_one(".summary").render())


def test_the_pane_shows_cpu_memory_connections_and_what_would_read_the_queue(drive, control):
    control.current = probed(established=6)

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert "CPU 33.3 %" in text and f"RSS {fmt.size(150 * MB)}" in text
        assert "fds 61" in text and "held 6 (TCP) vs 6 agents running  gap +0" in text
        assert "queue: unknown — set MEDIATOR_METRICS_URL" in text and "queue age" not in text
        assert "STALLED" not in text and "zombie" not in text

    drive(steps, size=(200, 50))


def test_a_wide_gap_a_stall_and_a_failing_endpoint_are_said_as_such(drive, control):
    control.current = probed(established=15, stalled=True,
                             metrics_error="GET http://127.0.0.1:9/metrics: not Prometheus text")

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert "STALLED (process)" in text and "CPU 0.0 %" in text
        assert "gap +9" in text and "zombie sessions" in text
        assert "metrics: GET http://127.0.0.1:9/metrics: not Prometheus text" in text

    drive(steps, size=(200, 50))
