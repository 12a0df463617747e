"""The metric store keeps the mediator probe's readings and computes the mediator's figures from them."""

import pytest

from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.sources.probe import AdminStatus, MetricsSample, ProbeSample, ProcessSample
from tests.recording.replay import RUNNING_AT_S, replay

MB = 1_000_000


def running_store() -> tuple[MetricStore, object]:
    """The recorded run while it goes on, without its own probe readings: the workers say 9 agents are running."""
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    assert store.snapshot().agents.running == 9
    return store, clock


def process(cpu=10.0, rss=100 * MB, established=6, stalled=False, status="sleeping") -> ProcessSample:
    return ProcessSample(
        pid=4242,
        status=status,
        cpu_percent=cpu,
        rss_bytes=rss,
        uss_bytes=rss - 20 * MB,
        open_fds=40 + established,
        threads=12,
        established=established,
        ports=(8000, 8001),
        stalled=stalled,
    )


def feed(store, clock, seconds: int, **kwargs) -> None:
    """One probe sample a second on the store's clock; `kwargs` build each sample from its index."""
    for i in range(seconds):
        clock.t += 1.0
        store.feed_probe(ProbeSample(at=clock.t, took_s=0.01, **{k: v(i) for k, v in kwargs.items()}))


def test_process_figures_their_maxima_and_one_point_a_second():
    store, clock = running_store()
    feed(store, clock, 5, process=lambda i: process(cpu=[5.0, 80.0, 20.0, 10.0, 12.0][i], rss=(100 + i) * MB))
    mediator = store.snapshot().mediator
    assert mediator.known and mediator.sources == ("process",)
    assert (mediator.cpu_percent, mediator.rss_bytes, mediator.uss_bytes) == (12.0, 104 * MB, 84 * MB)
    assert (mediator.open_fds, mediator.threads) == (46, 12)
    assert mediator.cpu_percent_max == 80.0 and mediator.rss_bytes_max == 104 * MB
    assert len(mediator.history) == 5 and [p.rss_bytes for p in mediator.history][-1] == 104 * MB
    # No admin API nor metrics endpoint: the queue cannot be read, and the pane says what would read it.
    assert dict(mediator.unknown)["queue age"] == "set MEDIATOR_METRICS_URL"
    assert "cpu" not in dict(mediator.unknown)


def test_connections_held_against_agents_running_give_the_gap_and_flag_a_wide_one():
    store, clock = running_store()
    feed(store, clock, 3, process=lambda i: process(established=[9, 10, 18][i]))
    mediator = store.snapshot().mediator
    assert (mediator.connections, mediator.connections_from, mediator.agents_running) == (18, "tcp", 9)
    assert mediator.session_gap == 9 and mediator.session_gap_flag == "zombie"
    assert mediator.session_gap_max == 9 and mediator.connections_max == 18
    feed(store, clock, 1, process=lambda i: process(established=5))
    mediator = store.snapshot().mediator
    assert mediator.session_gap == -4 and mediator.session_gap_flag == "lost"
    feed(store, clock, 1, process=lambda i: process(established=10))
    assert store.snapshot().mediator.session_gap_flag is None  # within the tolerance of two readings' timing


def test_the_gap_compares_the_mediators_sessions_so_credo_wallets_two_sockets_each_are_no_zombies():
    # What the embedded ACA-Py showed with 9 credo wallets: each holds its pickup websocket and a keep-alive
    # HTTP connection for what it sends, 18 TCP connections, 9 sessions.
    store, clock = running_store()
    feed(store, clock, 3, process=lambda i: process(established=18), admin_status=lambda i: AdminStatus(sessions=9))
    mediator = store.snapshot().mediator
    assert (mediator.connections, mediator.connections_from, mediator.session_gap) == (9, "admin sessions", 0)
    assert mediator.session_gap_flag is None and mediator.session_gap_max == 0
    # Four sessions the mediator keeps after their wallets' sockets died (TCP says 14): zombies still.
    feed(store, clock, 1, process=lambda i: process(established=14), admin_status=lambda i: AdminStatus(sessions=13))
    mediator = store.snapshot().mediator
    assert mediator.session_gap == 4 and mediator.session_gap_flag == "zombie" and mediator.session_gap_max == 4
    # The admin API failing: TCP stands in.
    feed(
        store,
        clock,
        1,
        process=lambda i: process(established=10),
        admin_status=lambda i: AdminStatus(error="GET http://127.0.0.1:9/status: 401 Unauthorized"),
    )
    assert store.snapshot().mediator.connections_from == "tcp"


def test_without_a_process_the_admin_sessions_and_the_metrics_endpoint_stand_in():
    store, clock = running_store()
    feed(
        store,
        clock,
        3,
        admin_status=lambda i: AdminStatus(version="1.7.0", sessions=9, outbound_queued=3),
        metrics=lambda i: MetricsSample(
            process_cpu_seconds=10.0 + 0.5 * i, process_rss_bytes=90 * MB, queued_messages=4, queue_oldest_age_s=2.5 + i
        ),
    )
    mediator = store.snapshot().mediator
    assert mediator.sources == ("admin", "metrics")
    assert (mediator.connections, mediator.connections_from, mediator.session_gap) == (9, "admin sessions", 0)
    # 0.5 s of CPU served per second of wall clock: 50 % of one core.
    assert mediator.cpu_percent == pytest.approx(50.0)
    assert mediator.rss_bytes == 90 * MB
    assert (mediator.queued_messages, mediator.queue_age_s, mediator.queue_age_s_max) == (4, 4.5, 4.5)
    assert dict(mediator.unknown) == {"descriptors": "set MEDIATOR_PID (a mediator on this host)"}


def test_memory_per_connection_is_the_slope_once_connections_spread():
    store, clock = running_store()
    feed(store, clock, 4, process=lambda i: process(established=i, rss=100 * MB + i * 200_000))
    assert store.snapshot().mediator.bytes_per_connection is None  # 4 points, 3 connections apart
    feed(store, clock, 20, process=lambda i: process(established=4 + i, rss=100 * MB + (4 + i) * 200_000))
    assert store.snapshot().mediator.bytes_per_connection == pytest.approx(200_000)


def test_a_stalled_probe_shows_with_zero_cpu_and_clears_when_the_mediator_answers():
    store, clock = running_store()
    feed(store, clock, 2, process=lambda i: process())
    feed(
        store,
        clock,
        15,
        process=lambda i: process(cpu=0.0, status="stopped", stalled=True),
        stalled_by=lambda i: ("process",),
        state=lambda i: "stalled",
    )
    mediator = store.snapshot().mediator
    assert mediator.stalled and mediator.stalled_by == ("process",) and mediator.cpu_percent == 0.0
    assert mediator.stalled_s == pytest.approx(15.0)
    assert [p.stalled for p in mediator.history].count(True) == 15
    feed(store, clock, 1, process=lambda i: process())
    assert not store.snapshot().mediator.stalled


def test_a_failing_source_gives_one_message_kept_between_its_backed_off_readings_and_cleared_after():
    store, clock = running_store()
    refused = "GET http://127.0.0.1:9/status: connection refused"
    feed(store, clock, 1, process=lambda i: process(), admin_status=lambda i: AdminStatus(error=refused))
    feed(store, clock, 3, process=lambda i: process())  # the admin API is backed off: not read
    mediator = store.snapshot().mediator
    assert mediator.errors == (("admin status", refused),)
    assert mediator.rss_bytes == 100 * MB  # the other sources go on
    feed(store, clock, 1, process=lambda i: process(), admin_status=lambda i: AdminStatus(sessions=6))
    assert store.snapshot().mediator.errors == ()


def test_a_new_swarm_starts_the_mediator_figures_anew_and_keeps_what_is_read():
    store, clock = running_store()
    feed(store, clock, 3, process=lambda i: process(cpu=90.0))
    store.swarm_stopped()
    store.swarm_requested(10, 1.0)
    feed(store, clock, 1, process=lambda i: process(cpu=5.0))
    mediator = store.snapshot().mediator
    assert mediator.cpu_percent_max == 5.0 and len(mediator.history) == 1 and mediator.sources == ("process",)


def test_no_probe_reading_is_unknown_not_zero():
    mediator = MetricStore("attached", "http://127.0.0.1:8089").snapshot().mediator
    assert not mediator.known and mediator.cpu_percent is None and mediator.connections is None
    assert "connections" in dict(mediator.unknown)


def test_error_texts_go_through_the_runs_redactor_before_the_store():
    from mediator_tui.core.metrics.probe_samples import redacted
    from mediator_tui.core.sources.probe import MetricsSample

    store, clock = running_store()
    sample = ProbeSample(
        at=clock.t + 1,
        took_s=0.01,
        process=process(),
        metrics=MetricsSample(error="GET http://ops:hunter2@10.0.0.5/metrics: HTTP 401"),
    )
    store.feed_probe(redacted(sample, lambda text: text.replace("hunter2", "****")))
    assert store.snapshot().mediator.errors == (("metrics", "GET http://ops:****@10.0.0.5/metrics: HTTP 401"),)
