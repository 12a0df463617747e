"""The step ramp under a real Locust master and workers (synthetic users, no mediator)."""

from pathlib import Path

import pytest

from mediator_tui.contracts.capacity import RampState
from mediator_tui.core.capacity.driver import CapacityDriver
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.sources.poller import Poller
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.sources.master_api import MasterClient, MasterError
from tests.integration.scenarios import CAPACITY_FILES, ramp_env
from tests.support.paths import DATA, REPO


def test_plain_locust_ramps_step_by_step_to_the_maximum_and_stops(locust_cluster):
    cluster = locust_cluster(CAPACITY_FILES, ramp_env(2, 2, 6, "3s", "1s"), workers=2)
    assert RampState.from_json(cluster.client.capacity()).phase == "waiting"
    cluster.swarm(1, 1)  # Locust starts the shape; its own figures rule
    seen = {}

    def record():
        state = RampState.from_json(cluster.client.capacity())
        if state.step is not None:
            seen[state.step.index] = state.step
        return state.phase == "done" and state

    done = cluster.wait_for(record, 60, "the ramp to pass its maximum")
    assert [seen[i].users for i in sorted(seen)] == [2, 4, 6]
    last = done.step
    assert last.spawning_ended_at >= last.started_at
    assert last.steady_from == pytest.approx(last.spawning_ended_at + 1.0)
    assert last.ends_at == pytest.approx(last.spawning_ended_at + 3.0)
    cluster.wait_for(lambda: cluster.stats()["state"] == "stopped", 20, "Locust to stop the load")


def test_the_driver_paces_the_ramp_bisects_and_stops_the_load(locust_cluster):
    # Each worker fails every request while it runs more than 5 users: of 2 workers, 2 and 8 users
    # (1+1, 4+4) pass, 14 (7+7) and 11 (6+5) break, whatever this host's speed.
    env = {**ramp_env(2, 6, 14, "7s", "2s"), "SYNTHETIC_FAIL_ABOVE": "5"}
    cluster = locust_cluster(CAPACITY_FILES, env, workers=2)
    client = MasterClient(cluster.url)
    store = MetricStore("attached", cluster.url)
    poller = Poller(client, store)
    poller.start()
    steps = []
    try:
        levels = parse_levels(["fail_ratio>15%"])
        verdict = CapacityDriver(client, store.snapshot, levels, resolution=3, on_step=steps.append).run()
    finally:
        poller.stop()
    assert [j.figures.users_target for j in steps] == [2, 8, 14, 11], [j.broken for j in steps]
    assert [j.met for j in steps][:3] == [True, True, False]
    assert verdict.broke_first == "failures" and verdict.limited_by == "mediator"
    assert (verdict.users_held, verdict.users_broken) == (8, 11)
    first = steps[0].figures
    assert first.users_running == 2 and first.window_end - first.window_start >= 3.0
    assert 0.05 < first.total.fail_ratio < 0.15  # every 10th synthetic request fails
    assert 0 < first.endpoint("ping_mediator").p95_ms < 1000
    cluster.wait_for(lambda: cluster.stats()["state"] == "stopped", 20, "the load to stop")
    assert RampState.from_json(cluster.client.capacity()).phase == "stopped"
    with pytest.raises(MasterError, match="409.*stopped"):
        client.capacity_command('{"version": 1, "command": "step", "users": 4}')


@pytest.fixture
def ahead_of_other_sessions():
    """This test's processes ahead of other sessions' CPU-bound ones (the rest of a loaded host) for the test.

    The kernel shares the CPU between sessions first (autogroups, https://man7.org/linux/man-pages/man7/sched.7.html),
    so a worker's own priority counts only within its session: the session's is raised, then put back. Without
    the right to raise it (not root, no CAP_SYS_NICE) the test runs at the share the host's load leaves it.
    """
    autogroup = Path("/proc/self/autogroup")
    try:
        before = autogroup.read_text().split()[-1]
        autogroup.write_text("-20")
    except (OSError, IndexError):
        yield
        return
    try:
        yield
    finally:
        autogroup.write_text(before)


def test_a_worker_near_one_core_is_named_as_the_harness_bound_with_how_to_add_workers(locust_cluster,
                                                                                      ahead_of_other_sessions):
    # Users that only compute: the one worker runs at about one core, and each request takes 20 ms or
    # more, so a 10 ms p95 level breaks at the first step, bounded by the harness, not by any mediator.
    files = f"{DATA / 'locustfile_cpu_burn.py'},{REPO / 'locustfiles/locustCapacity.py'}"
    cluster = locust_cluster(files, ramp_env(3, 3, 6, "6s", "2s"), workers=1)
    client = MasterClient(cluster.url)
    store = MetricStore("attached", cluster.url)
    poller = Poller(client, store)
    poller.start()
    try:
        verdict = CapacityDriver(client, store.snapshot, parse_levels(["p95(ping_mediator)>10"])).run()
    finally:
        poller.stop()
    knee = verdict.at_broken
    assert verdict.first_step_broke and knee.users_target == 3 and verdict.at_held is None
    assert 70.0 <= knee.worker_cpu_max_percent <= 110.0, knee  # one Python thread: one core at most
    assert verdict.limited_by == "harness"
    assert f"a worker used {knee.worker_cpu_max_percent:.0f} % of a core" in verdict.summary()
    assert "locust --worker" in verdict.advice and "--master-host" in verdict.advice
