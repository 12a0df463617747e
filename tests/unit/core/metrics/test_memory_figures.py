"""Memory per agent and the room for more agents, as the store computes them from the workers' reports."""

import json

import pytest

from mediator_tui.contracts.worker_report import WorkerReport
from mediator_tui.core.export import write_export
from mediator_tui.core.metrics.memory import HostMemory
from mediator_tui.core.thresholds import check_all, parse_thresholds
from mediator_tui.locust_support.agent_metrics import AgentMetricsBoard
from tests.support.master_payloads import Clock, make_store, report_json, stats_with

KIB = 1024
# What a native worker grows by before its agents cost anything: modules and caches the first agent loads.
BASELINE = 6_000 * KIB
LIMITS = {
    "nofile": 4096,
    "max_agents": 3900,
    "reserved_files": 100,
    "files_per_agent": 1,
    "local_ports": 28232,
    "ports_per_agent": 1,
}


def worker(
    worker_id,
    running,
    unique_bytes,
    host="vm-a",
    engine="native",
    processes=0,
    in_use=0,
    in_use_max=0,
    size=1000,
    limits=None,
    shared_bytes=0,
):
    raw = report_json(
        worker_id,
        running=running,
        started=running,
        engine=engine,
        host=host,
        in_use=in_use,
        in_use_max=in_use_max,
        size=size,
        memory={
            "worker_rss_bytes": 60_000_000,
            "agent_processes": processes,
            "unique_bytes": unique_bytes,
            "shared_bytes": shared_bytes,
        },
    )
    # What a worker holds open: its own descriptors and one socket per agent.
    raw["limits"] = {**LIMITS, "open_files": 60 + running, **(limits or {})}
    return WorkerReport.from_json(raw)


def feed_workers(store, clock, *reports, state="running"):
    board = AgentMetricsBoard(clock=lambda: clock.t)
    for report in reports:
        board.receive(report)
    clock.t += 1.0
    store.feed(stats_with(int(clock.t), state=state), board.view(now=clock.t).to_json(), t=clock.t)


def native(agents, per_agent=11 * KIB, noise=0):
    return BASELINE + agents * per_agent + noise if agents else 0


def test_ten_native_agents_are_not_yet_a_measure_of_memory_per_agent_and_thresholds_say_why(tmp_path):
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(10, 10.0)
    for agents in (2, 5, 8, 10, 10, 10):
        feed_workers(store, clock, worker("w1", agents, native(agents)))
    memory = store.snapshot().memory
    # The old figure, growth / agents, said 611 KiB here: the baseline shared out over ten agents.
    assert memory.per_agent_unique_bytes is None
    assert memory.per_agent_unknown_because == "agents spread over 8, needs 50"
    snapshot = store.snapshot()
    [result] = check_all(parse_thresholds(["memory_per_agent>1000000"]), snapshot)
    assert (result.value, result.ok, result.unknown_because) == (None, False, "agents spread over 8, needs 50")
    write_export(tmp_path, snapshot, [result])
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["memory"]["per_agent_unique_bytes"] is None
    assert summary["memory"]["per_agent_unknown_because"] == "agents spread over 8, needs 50"
    assert summary["thresholds"][0]["unknown_because"] == "agents spread over 8, needs 50"


def test_a_ramp_to_a_thousand_native_agents_measures_what_one_more_costs(tmp_path):
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(1000, 100.0)
    for step, agents in enumerate(range(100, 1001, 100)):
        noise = (-1) ** step * 300 * KIB  # the allocator's ups and downs
        feed_workers(
            store,
            clock,
            worker("w1", agents // 2, native(agents // 2, noise=noise // 2)),
            worker("w2", agents // 2, native(agents // 2, noise=noise // 2)),
        )
    running = store.snapshot()
    assert running.memory.per_agent_unique_bytes == pytest.approx(11 * KIB, rel=0.05)
    assert [w.per_agent_unique_bytes for w in running.memory.per_worker] == [pytest.approx(11 * KIB, rel=0.05)] * 2
    store.stop_requested()
    feed_workers(store, clock, worker("w1", 0, 0), worker("w2", 0, 0), state="stopped")
    store.swarm_stopped()
    stopped = store.snapshot()
    # After the stop the figure is still the one measured while the test ran, and thresholds judge it.
    assert stopped.memory.per_agent_unique_bytes == running.memory.per_agent_unique_bytes
    thresholds = parse_thresholds(["memory_per_agent>12000", "memory_per_agent>10000"])
    assert [r.ok for r in check_all(thresholds, stopped)] == [True, False]
    write_export(tmp_path, stopped, check_all(thresholds, stopped))
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["memory"]["per_agent_unique_bytes"] == round(stopped.judged.memory_per_agent_bytes, 1)
    assert summary["memory"]["per_agent_unknown_because"] is None


def test_agents_that_are_processes_of_their_own_cost_their_own_memory_at_any_count():
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(3, 3.0)
    feed_workers(store, clock, worker("w1", 3, 3 * 48_000_000, engine="credo", processes=3))
    assert store.snapshot().memory.per_agent_unique_bytes == 48_000_000


def test_the_room_for_more_agents_names_the_worker_limit_that_binds_first():
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(1000, 100.0)
    for agents in range(100, 1001, 100):
        feed_workers(
            store, clock, worker("w1", agents // 2, native(agents // 2)), worker("w2", agents // 2, native(agents // 2))
        )
    memory = store.snapshot().memory
    # Each worker: 4,096 descriptors - 560 in use - 100 kept = 3,436 more; the host's 28,232 ports hold
    # 1,000 agents' connections; 8 GB free / 11 KiB.
    assert [(r.name, r.more_agents, r.limit, r.per) for r in memory.room] == [
        ("open files", 6872, 4096, "worker"),
        ("local ports", 27232, 28232, "host"),
        ("memory", int(8_000_000_000 // memory.per_agent_unique_bytes), 8_000_000_000, "host"),
    ]
    assert memory.projected_more_agents == 6872


def test_workers_on_two_hosts_each_have_their_own_local_ports_and_a_listening_scenario_its_port_pool():
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(20, 20.0)
    feed_workers(
        store,
        clock,
        worker("w1", 10, native(10), host="vm-a", in_use=10, in_use_max=10),
        worker("w2", 10, native(10), host="vm-b", in_use=10, in_use_max=10, limits={"local_ports": 1000}),
    )
    memory = store.snapshot().memory
    assert [(r.name, r.more_agents, r.limit) for r in memory.room] == [
        ("port pool", 1980, 1000),
        ("open files", 2 * (4096 - 70 - 100), 4096),
        ("local ports", 28222 + 990, 1000),
    ]


def test_a_worker_of_an_earlier_release_without_its_limits_leaves_only_memory_to_project():
    clock = Clock()
    store = make_store(clock)
    store.feed_host_memory(HostMemory(total_bytes=16_000_000_000, available_bytes=4_800_000_000))
    store.swarm_requested(3, 3.0)
    feed_workers(
        store, clock, worker("w1", 3, 3 * 48_000_000, engine="credo", processes=3, limits=dict.fromkeys(LIMITS, 0))
    )
    assert [(r.name, r.more_agents) for r in store.snapshot().memory.room] == [("memory", 100)]


def test_an_export_of_a_run_of_two_hours_holds_the_whole_run_and_says_it_is_downsampled(tmp_path):
    clock = Clock()
    store = make_store(clock)  # the store's own history: an hour of seconds
    start = clock.t
    store.swarm_requested(10, 10.0)
    payload = stats_with(0)
    for second in range(2 * 3600 + 60):
        clock.t += 1.0
        payload = {**payload, "stats": [{**row, "num_requests": second} for row in payload["stats"]]}
        store.feed(payload, None, t=clock.t)
    write_export(tmp_path, store.snapshot())
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["history"]["seconds_per_point"] == 4 and summary["history"]["downsampled"] is True
    rows = [line.split(",") for line in (tmp_path / "history.csv").read_text().splitlines()]
    header, aggregated = rows[0], [row for row in rows[1:] if row[2] == "Aggregated"]
    at = header.index("ts")
    assert float(aggregated[0][at]) - start <= 4 and float(aggregated[-1][at]) == clock.t  # first and last minutes
    assert {row[header.index("seconds_per_point")] for row in aggregated} == {"4"}


def test_three_credo_workers_on_one_host_show_the_node_binarys_shared_memory_once():
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(6, 6.0)
    feed_workers(
        store,
        clock,
        *(
            worker(f"w{i}", 2, 2 * 48_000_000, engine="credo", processes=2, shared_bytes=51 * KIB * KIB)
            for i in range(3)
        ),
    )
    memory = store.snapshot().memory
    assert memory.shared_bytes == 51 * KIB * KIB  # not 3 x 51 MiB: one node binary and its libraries per host
    assert [w.shared_bytes for w in memory.per_worker] == [51 * KIB * KIB] * 3
