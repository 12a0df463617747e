"""The Mediator pane shows what the store computed of the mediator's side, and says what it cannot read."""

from __future__ import annotations

from mediator_tui.common.byte_size import byte_size
from mediator_tui.core.sources.probe import (
    AdminStatus,
    MetricsSample,
    ProbeRunner,
    ProbeSample,
    ProbeTarget,
    ProcessSample,
)
from mediator_tui.tui.panes.mediator import MediatorPane
from tests.recording.replay import RUNNING_AT_S, replay
from tests.support.http_stub import answering, serving

MB = 1_000_000


def probed(
    established: int,
    *,
    stalled: bool = False,
    metrics_error: str | None = None,
    limit: float | None = None,
    throttled_each_s: int | None = None,
):
    """The recorded run (9 agents running) with 5 s of probe readings of our own instead of its; with
    `throttled_each_s`, its cgroup's counters: 10 CFS periods a second, that many of them throttled, under `limit`."""
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    for second in range(5):
        clock.t += 1.0
        process = ProcessSample(
            pid=4242,
            status="stopped" if stalled else "sleeping",
            cpu_percent=0.0 if stalled else 33.3,
            rss_bytes=150 * MB,
            uss_bytes=120 * MB,
            open_fds=61,
            threads=9,
            established=established,
            stalled=stalled,
            **(
                {
                    "cfs_periods": 10 * second,
                    "throttled_periods": throttled_each_s * second,
                    "throttled_s": 0.075 * second * throttled_each_s / 9,
                }
                if throttled_each_s is not None
                else {}
            ),
            cpu_limit_cores=limit,
        )
        metrics = MetricsSample(error=metrics_error) if metrics_error else None
        unanswered = ("process",) if stalled else ()
        store.feed_probe(unanswering(clock.t, process, unanswered, "stalled" if stalled else "", metrics=metrics))
    return store.snapshot()


def unanswering(at: float, process: ProcessSample, unanswered: tuple[str, ...], state: str, **parts) -> ProbeSample:
    """One tick of the probe: the process, the sources that did not answer and why (`state`), other readings."""
    return ProbeSample(at=at, took_s=0.01, process=process, stalled_by=unanswered, state=state, **parts)


def pane_text(pilot) -> str:
    pane = pilot.app.screen.query_one(MediatorPane)
    return str(pane.query_one(".summary").render())


def test_the_pane_shows_cpu_memory_connections_and_what_would_read_the_queue(drive, control):
    control.current = probed(established=9)

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert "CPU 33.3 %" in text and f"RSS {byte_size(150 * MB)}" in text
        assert "fds 61" in text and "held 9 (TCP) vs 9 agents running  gap +0" in text
        assert "queue: unknown — set MEDIATOR_METRICS_URL" in text and "queue age" not in text
        assert "STALLED" not in text and "zombie" not in text
        assert "throttled" not in text  # no cgroup counters read: nothing said of them

    drive(steps, size=(200, 50))


def test_a_mediator_held_back_by_its_cpu_limit_shows_its_throttling_and_the_limit(drive, control):
    control.current = probed(established=9, limit=0.2, throttled_each_s=9)

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "throttled 90.0 % of CFS periods (run 90.0 %, 0.3 s held back)  limit 0.2 cores" in pane_text(pilot)
        # A mediator in a cgroup without a limit, never held back (the host's own): nothing said of throttling.
        control.current = probed(established=9, throttled_each_s=0)
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "throttled" not in pane_text(pilot) and "CPU 33.3 %" in pane_text(pilot)

    drive(steps, size=(200, 50))


def test_a_wide_gap_a_stall_and_a_failing_endpoint_are_said_as_such(drive, control):
    control.current = probed(
        established=18, stalled=True, metrics_error="GET http://127.0.0.1:9/metrics: not Prometheus text"
    )

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert "STALLED (process)" in text and "CPU 0.0 %" in text
        assert "gap +9" in text and "zombie sessions" in text
        assert "metrics: GET http://127.0.0.1:9/metrics: not Prometheus text" in text

    drive(steps, size=(200, 50))


STATUS_STALL = "GET http://127.0.0.1:9/status: no answer within 2 s"


def freeze(store, clock, seconds: int, *, frozen: bool) -> None:
    """Probe readings as the probe gives them of a mediator frozen by SIGSTOP (tests/e2e/reliability/
    test_mediator_freeze.py): the process stopped at 0 % CPU, the admin API's first call timed out and then
    backed off (not read); or of the same mediator working, its admin API answering."""
    for second in range(seconds):
        clock.t += 1.0
        process = ProcessSample(
            pid=4242,
            status="stopped" if frozen else "sleeping",
            cpu_percent=0.0 if frozen else 30.0,
            rss_bytes=150 * MB,
            uss_bytes=120 * MB,
            open_fds=61,
            threads=9,
            established=9,
            stalled=frozen,
        )
        status = (
            (AdminStatus(error=STATUS_STALL, stalled=True) if second == 0 else None)
            if frozen
            else AdminStatus(version="1.7.0", sessions=9)
        )
        store.feed_probe(
            ProbeSample(
                at=clock.t,
                took_s=2.0 if status and status.stalled else 0.01,
                process=process,
                admin_status=status,
                stalled_by=("process", "admin status") if frozen else (),
                state="stalled" if frozen else "",
            )
        )


def test_a_frozen_mediator_shows_stalled_at_0_percent_and_normal_again_after(drive, control):
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    freeze(store, clock, 5, frozen=False)
    freeze(store, clock, 10, frozen=True)
    during = store.snapshot()
    freeze(store, clock, 5, frozen=False)
    after = store.snapshot()
    control.current = during

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert "STALLED (process, admin status)" in text and "CPU 0.0 % (max 30.0 %)" in text
        assert f"admin status: {STATUS_STALL}" in text
        control.current = after
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert "STALLED" not in text and "CPU 30.0 %" in text and "no answer" not in text

    drive(steps, size=(200, 50))


SECRET = "s3cr3t-admin-key"


def test_a_401_admin_api_and_a_garbage_endpoint_are_one_line_each_with_the_settings_for_the_rest(drive, control):
    """The probe's own readers against a 401 admin API (headers given) and an endpoint answering HTML."""
    store, _ = replay(until_s=RUNNING_AT_S, probe=False)
    with (
        serving(answering(401, '{"message": "Unauthorized"}', content_type="application/json")) as admin,
        serving(answering(200, "<html>this is not Prometheus text {{</html>")) as garbage,
    ):
        runner = ProbeRunner(
            ProbeTarget(admin_url=admin, admin_headers={"X-API-Key": SECRET}, metrics_url=f"{garbage}/metrics"),
            store.feed_probe,
            interval_s=0.0,
            counts_every_s=0.0,
        )
        for _ in range(3):
            store.feed_probe(runner.tick())
    control.current = store.snapshot()

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert text.count("HTTP 401") == 1 and f"admin status: GET {admin}/status: HTTP 401" in text
        assert text.count("not Prometheus text") == 1 and f"metrics: GET {garbage}/metrics" in text
        assert "descriptors: unknown — set MEDIATOR_PID (a mediator on this host)" in text
        assert SECRET not in text and "X-API-Key" not in text

    drive(steps, size=(200, 50))


def test_a_mediator_too_busy_to_answer_shows_saturated_not_stalled(drive, control):
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    for second in range(5):
        clock.t += 1.0
        busy = ProcessSample(pid=4242, status="running", cpu_percent=97.0, established=9)
        status = AdminStatus(error=STATUS_STALL, stalled=True) if second == 0 else None
        store.feed_probe(unanswering(clock.t, busy, ("admin status",), "saturated", admin_status=status))
    control.current = store.snapshot()

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = pane_text(pilot)
        assert "SATURATED (admin status) at 97.0 % CPU: too busy to answer" in text and "STALLED" not in text

    drive(steps, size=(200, 50))
