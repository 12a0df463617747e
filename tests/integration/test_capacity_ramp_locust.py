"""The step ramp under a real Locust master and workers (synthetic users, no mediator)."""

import threading
import time

import psutil
import pytest

from mediator_tui.contracts.capacity import RampState
from mediator_tui.core.capacity.driver import CapacityDriver
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.search import WORKER_CPU_LIMIT_PERCENT
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.sources.master_api import MasterClient, MasterError
from mediator_tui.core.sources.poller import Poller
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


class CpuCounter:
    """psutil's CPU counter of one process, read every 50 ms beside the run: the same counter the
    worker reads for its reports (/proc/<pid>/stat), so a reported reading can be checked against it
    over the same moments, whatever else the host runs."""

    def __init__(self, pid: int):
        self._process = psutil.Process(pid)
        self.readings: list[tuple[float, float]] = []  # (time.time(), user + system CPU seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        while not self._stop.is_set():
            times = self._process.cpu_times()
            self.readings.append((time.time(), times.user + times.system))
            self._stop.wait(0.05)

    def __enter__(self) -> "CpuCounter":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def bounds_at(self, at: float) -> tuple[float, float]:
        """The counter at `at` lies between the readings just before and just after it."""
        before = max((r for r in self.readings if r[0] <= at), default=None)
        after = min((r for r in self.readings if r[0] >= at), default=None)
        assert before is not None and after is not None, f"no psutil reading around {at}"
        return before[1], after[1]


def test_a_worker_near_one_core_is_named_as_the_harness_bound_with_how_to_add_workers(locust_cluster):
    # Users that only compute: the one worker burns CPU, and each request takes 20 ms or more of wall
    # time, so a 10 ms p95 level breaks at the first step. How much of a core the worker gets depends on
    # what else the host runs, so the test checks the reading against psutil's of the same process over
    # the same window, and that the verdict follows from the reading (the judgement itself, on a given
    # reading, is tests/unit/core/capacity/test_capacity_search.py).
    files = f"{DATA / 'locustfile_cpu_burn.py'},{REPO / 'locustfiles/locustCapacity.py'}"
    cluster = locust_cluster(files, ramp_env(3, 3, 6, "6s", "2s"), workers=1)
    [worker] = [child for child in cluster.group.children if child.name == "worker0"]
    client = MasterClient(cluster.url)
    store = MetricStore("attached", cluster.url)
    taken: dict[float, Snapshot] = {}

    def snapshot() -> Snapshot:
        current = store.snapshot()
        taken[current.taken_at] = current
        return current

    poller = Poller(client, store)
    poller.start()
    try:
        with CpuCounter(worker.pid) as counter:
            verdict = CapacityDriver(client, snapshot, parse_levels(["p95(ping_mediator)>10"])).run()
    finally:
        poller.stop()
    knee = verdict.at_broken
    assert verdict.first_step_broke and knee.users_target == 3 and verdict.at_held is None
    [start] = taken[knee.window_start].workers_harness
    [end] = taken[knee.window_end].workers_harness
    # Both readings are in clock ticks of 10 ms: allow one tick each way.
    for report in (start, end):
        low, high = counter.bounds_at(report.at)
        assert low - 0.01 <= report.cpu_seconds <= high + 0.01, (report, low, high)
    (start_low, start_high), (end_low, end_high) = counter.bounds_at(start.at), counter.bounds_at(end.at)
    seconds = end.at - start.at
    assert (
        100.0 * (end_low - start_high - 0.02) / seconds
        <= knee.worker_cpu_max_percent
        <= 100.0 * (end_high - start_low + 0.02) / seconds
    ), knee
    assert knee.worker_cpu_max_percent <= 110.0, knee  # one Python thread: one core at most
    if knee.worker_cpu_max_percent >= WORKER_CPU_LIMIT_PERCENT:
        assert verdict.limited_by == "harness"
        assert f"a worker used {knee.worker_cpu_max_percent:.0f} % of a core" in verdict.summary()
        assert "locust --worker" in verdict.advice and "--master-host" in verdict.advice
    else:  # a host busy with other work gave the worker less than that: the mediator is named
        assert verdict.limited_by == "mediator" and "harness" not in verdict.summary()
