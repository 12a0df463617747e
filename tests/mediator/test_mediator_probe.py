"""The mediator probe against real mediators: ACA-Py 1.7.0 and 0.12.8 (process figures, admin counts as
agents connect) and the project's Credo mediator (its /metrics: live sessions, the queue while a
recipient is offline). A frozen mediator, in a run: tests/e2e/reliability/test_mediator_freeze.py."""

import time

import gevent
import psutil
import pytest

from mediator_tui.core.mediator import LocalMediator
from mediator_tui.core.sources.probe import ProbeRunner, ProbeSample, probe_target
from tests.support.procs import busy_seconds

AGENTS = 3
# Ticks made by the test, not the thread: every source is due at each of them.
INTERVAL_S = 0.5


def probe(mediator) -> ProbeRunner:
    return ProbeRunner(
        probe_target({}, mediator), lambda sample: None, interval_s=INTERVAL_S, counts_every_s=INTERVAL_S
    )


def wait_for(runner: ProbeRunner, done, what: str, timeout: float = 15.0) -> ProbeSample:
    deadline = time.monotonic() + timeout
    while True:
        gevent.sleep(INTERVAL_S)  # the agents' greenlets (acknowledgements, reconnects) run meanwhile
        sample = runner.tick()
        if done(sample):
            return sample
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: last sample {sample}")


@pytest.fixture(params=["acapy_mediator", "acapy_legacy_mediator"], ids=["acapy-1.7", "acapy-0.12"])
def acapy(request):
    return request.getfixturevalue(request.param)


def test_process_figures_match_what_psutil_reads(acapy, agents):
    """The probe's CPU between its two ticks, against the counters read just before and just after each tick: the
    same counter over a window nested inside the probe's and one around it, so the relation holds at any
    pace of the host."""
    busy = [agents(acapy) for _ in range(2)]
    runner = probe(acapy)
    process = psutil.Process(acapy.pid)
    cpu_0, t_0 = busy_seconds(acapy.pid), time.monotonic()
    runner.tick()
    cpu_1, t_1 = busy_seconds(acapy.pid), time.monotonic()
    for _ in range(15):
        for agent in busy:
            agent.ping_mediator()
    cpu_2, t_2 = busy_seconds(acapy.pid), time.monotonic()
    sample = runner.tick()
    cpu_3, t_3 = busy_seconds(acapy.pid), time.monotonic()
    rss = process.memory_info().rss

    got = sample.process
    assert got.error is None and got.pid == acapy.pid and got.status in ("running", "sleeping")
    assert cpu_2 > cpu_1, "the pings should have kept the mediator busy"
    # The probe read its counters between t_0 and t_1, then between t_2 and t_3; the kernel counts CPU time
    # in 10 ms ticks, one at each end.
    tick_s = 0.01
    least = 100 * (cpu_2 - cpu_1 - 2 * tick_s) / (t_3 - t_0)
    most = 100 * (cpu_3 - cpu_0 + 2 * tick_s) / (t_2 - t_1)
    assert least <= got.cpu_percent <= most, (least, got.cpu_percent, most)
    assert abs(got.rss_bytes - rss) <= 0.1 * rss
    assert got.uss_bytes <= got.rss_bytes and got.open_fds > 10 and got.threads >= 1
    assert got.ports == (acapy.ports.http, acapy.ports.ws)


def test_admin_counts_and_sessions_follow_the_agents(acapy, agents):
    runner = probe(acapy)
    before = runner.tick()
    assert before.admin_status.error is None and before.admin_counts.error is None
    assert before.admin_status.version == ("1.7.0" if acapy.flavour.name == "acapy" else "0.12.8")
    started = [agents(acapy) for _ in range(AGENTS)]
    after = wait_for(
        runner,
        lambda s: (
            s.admin_counts is not None
            and s.admin_counts.granted_mediations == before.admin_counts.granted_mediations + AGENTS
        ),
        "granted mediations of the new agents",
    )
    counts = after.admin_counts
    assert counts.active_connections - before.admin_counts.active_connections == AGENTS
    assert counts.keylist_routes - before.admin_counts.keylist_routes >= AGENTS
    # the counts are those of the mediator's own bookkeeping
    assert counts.active_connections == acapy.counts().active_connections
    assert counts.granted_mediations == acapy.counts().granted_mediations
    # every agent keeps its websocket open: a live session and an established connection each
    assert after.admin_status.sessions - before.admin_status.sessions == AGENTS
    assert after.process.established - before.process.established >= AGENTS
    for agent in started:
        agent.shutdown()
    wait_for(
        runner,
        lambda s: s.admin_status.sessions == before.admin_status.sessions,
        "sessions back to where they were after the agents left",
    )


def test_credo_metrics_follow_live_sessions(credo_mediator, agents):
    runner = probe(credo_mediator)
    before = runner.tick()
    assert before.metrics.error is None and before.admin_status is None  # Credo has no ACA-Py admin API
    started = [agents(credo_mediator) for _ in range(AGENTS)]
    after = wait_for(
        runner,
        lambda s: s.metrics.live_sessions == before.metrics.live_sessions + AGENTS,
        "live sessions of the new agents",
    )
    assert after.metrics.sessions_opened - before.metrics.sessions_opened >= AGENTS
    assert after.metrics.process_rss_bytes > 0 and after.metrics.process_cpu_seconds > 0
    started[0].shutdown()
    gone = wait_for(
        runner,
        lambda s: s.metrics.live_sessions == before.metrics.live_sessions + AGENTS - 1,
        "one live session less after an agent left",
    )
    assert gone.metrics.sessions_closed - before.metrics.sessions_closed >= 1


@pytest.fixture
def own_credo_mediator(tmp_path):
    """A Credo mediator of this test's own: the session's may hold messages other tests left queued."""
    mediator = LocalMediator("credo", run_dir=tmp_path / "credo-mediator").start()
    yield mediator
    mediator.stop()


def test_credo_queue_rises_while_a_recipient_is_offline_and_falls_after_it_returns(own_credo_mediator, agents):
    mediator = own_credo_mediator
    runner = probe(mediator)
    alice, bob = agents(mediator), agents(mediator, pickup_strategy="pickup-v2")
    to_bob = alice.receive_invitation(bob.create_invitation())
    alice.send_message(to_bob, "while online")
    assert bob.receive_message().content == "while online"
    empty = wait_for(runner, lambda s: s.metrics.queued_messages == 0, "an empty queue to start from")

    # Bob's socket closes and stays closed: the mediator can only queue what comes for him.
    bob.go_offline()
    wait_for(runner, lambda s: s.metrics.live_sessions == empty.metrics.live_sessions - 1, "bob's session to end")
    for n in range(3):
        alice.send_message(to_bob, f"while offline {n}")
    queued = wait_for(runner, lambda s: s.metrics.queued_messages == 3, "three messages queued for bob")
    gevent.sleep(1.5)
    older = runner.tick()
    assert older.metrics.queued_messages == 3
    assert older.metrics.queue_oldest_age_s >= queued.metrics.queue_oldest_age_s + 1.0

    # Bob comes back on a new socket and collects (pickup v2): the queue empties.
    bob.come_online()
    received = {bob.receive_message().content for _ in range(3)}
    assert received == {f"while offline {n}" for n in range(3)}
    drained = wait_for(runner, lambda s: s.metrics.queued_messages == 0, "the queue to drain")
    assert drained.metrics.queue_oldest_age_s == 0
