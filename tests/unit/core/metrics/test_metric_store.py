"""The metric store turns what a Locust master serves into the figures a user sees."""

import copy
import json
import subprocess
import sys

import pytest

from mediator_tui.core.metrics.snapshot import AGGREGATED
from mediator_tui.core.metrics.store import MetricStore
from tests.support.master_payloads import Clock, fixture, make_store, stats_with


def feed_counts(store: MetricStore, clock: Clock, counts: list[int], failures: list[int] | None = None) -> None:
    for i, count in enumerate(counts):
        clock.t += 1.0
        store.feed(stats_with(count, (failures or [0] * len(counts))[i]), None, t=clock.t)


def test_rates_come_from_count_deltas_over_the_window_not_locusts_average():
    clock = Clock()
    store = make_store(clock, rate_window_s=3.0)
    feed_counts(store, clock, [0, 100, 200, 300, 400], failures=[0, 0, 3, 6, 9])
    total = store.snapshot().total
    # 300 requests and 9 failures in the last 3 s; Locust's own current_rps in the payload is 82.4.
    assert total.rps == pytest.approx(100.0)
    assert total.fail_per_s == pytest.approx(3.0)
    assert total.count == 400


def test_steps_from_three_second_worker_reports_give_a_steady_rate():
    clock = Clock()
    store = make_store(clock, rate_window_s=3.0)
    # The master learns counts only when a worker reports: a step of 300 every 3 s.
    feed_counts(store, clock, [0, 0, 0, 300, 300, 300, 600, 600, 600, 900])
    rates = [p.rps for p in store.snapshot().series().points[3:]]
    assert rates == pytest.approx([100.0] * len(rates))


def test_history_is_bounded_and_has_one_point_per_second():
    clock = Clock()
    store = make_store(clock, history_s=5)
    feed_counts(store, clock, list(range(0, 50, 10)))
    store.feed(stats_with(50), None, t=clock.t + 0.4)  # a second poll within the same second
    series = store.snapshot().series(AGGREGATED)
    assert series.step_s == 1
    assert [int(p.t) for p in series.points] == list(range(int(clock.t) - 4, int(clock.t) + 1))


def test_a_run_longer_than_the_history_is_kept_whole_at_a_coarser_resolution(tmp_path):
    from mediator_tui.core.export import write_export

    clock = Clock()
    store = make_store(clock, history_s=8)
    start = clock.t
    store.swarm_requested(10, 1.0)
    feed_counts(store, clock, list(range(0, 300, 10)))  # 30 s into a history of 8 points
    snap = store.snapshot()
    series = snap.series(AGGREGATED)
    assert len(series.points) <= 8 and series.step_s == 4 and snap.resources_step_s == 4
    assert series.points[0].t - start <= 4  # the beginning of the run is still there
    assert series.points[-1].t == clock.t
    write_export(tmp_path, snap)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["history"]["seconds_per_point"] == 4 and summary["history"]["downsampled"] is True
    rows = (tmp_path / "history.csv").read_text().splitlines()
    assert rows[0].endswith(",seconds_per_point") and rows[1].endswith(",4")
    assert float(rows[1].split(",")[1]) == series.points[0].t


def test_counter_reset_starts_the_rates_again_instead_of_going_negative():
    clock = Clock()
    store = make_store(clock)
    feed_counts(store, clock, [0, 100, 200, 300, 10, 20])
    assert store.snapshot().total.rps == pytest.approx(10.0)
    points = store.snapshot().series().points
    assert points and all(p.rps >= 0 for p in points)  # an empty series would pass the check vacuously


def route_stats(count: int, histogram: dict) -> dict:
    """The request-histograms route's uncached counts and histograms (one endpoint, so total == endpoint)."""
    row = {"num_requests": count, "num_failures": 0, "response_times": histogram}
    return {"version": 1, "entries": [{"method": "DIDComm", "name": "ping_mediator", **row}], "total": row}


def test_exact_interval_percentiles_from_the_request_histograms_route():
    clock = Clock()
    store = make_store(clock, rate_window_s=2.0)
    slow = {"1000": 100}  # an early burst of slow requests
    fast = {"1000": 100, "10": 90, "20": 10}
    for histogram, count in ((slow, 100), (slow, 100), (fast, 200)):
        clock.t += 1.0
        store.feed(stats_with(count, p95=1000, p99=1000), None, route_stats(count, histogram), t=clock.t)
    row = store.snapshot().requests[0]
    assert (row.interval_p50_ms, row.interval_p95_ms, row.interval_p99_ms) == (10.0, 20.0, 20.0)
    assert row.p95_ms == 1000.0  # cumulative stays as Locust says
    assert row.percentile_source == "histogram"


def test_uncached_counts_of_the_request_histograms_route_win_over_locusts_cached_payload():
    clock = Clock()
    store = make_store(clock, rate_window_s=1.0)
    cached = stats_with(100)
    for count in (100, 150, 200):
        clock.t += 1.0
        store.feed(cached, None, route_stats(count, {"10": count}), t=clock.t)
    snap = store.snapshot()
    assert snap.total.count == 200 and snap.total.rps == pytest.approx(50.0)


def with_endpoint_appearing(ping: int, sends: int | None) -> dict:
    """A running master's stats with ping_mediator at `ping`, and send_message at `sends` once Locust lists it."""
    payload = stats_with(ping)
    endpoint, aggregated = payload["stats"]
    if sends is not None:
        payload["stats"].insert(1, {**endpoint, "name": "send_message", "num_requests": sends})
    aggregated["num_requests"] = ping + (sends or 0)
    return payload


@pytest.mark.parametrize("histograms", [False, True], ids=["locusts-payload", "histograms-route"])
def test_an_endpoint_appearing_mid_run_is_rated_over_the_window_the_aggregated_row_is(histograms):
    # ping_mediator at 100/s all along; send_message's first 30 requests come after the fourth poll.
    clock = Clock()
    store = make_store(clock, rate_window_s=3.0)
    for ping, sends in ((0, None), (100, None), (200, None), (300, None), (400, 30)):
        clock.t += 1.0
        route = None
        if histograms:
            entries = [("ping_mediator", ping)] + ([("send_message", sends)] if sends is not None else [])
            rows = [
                {"method": "DIDComm", "name": name, "num_requests": n, "num_failures": 0, "response_times": {"10": n}}
                for name, n in entries
            ]
            route = {
                "version": 1,
                "entries": rows,
                "total": {
                    "num_requests": ping + (sends or 0),
                    "num_failures": 0,
                    "response_times": {"10": ping + (sends or 0)},
                },
            }
        store.feed(with_endpoint_appearing(ping, sends), None, route, t=clock.t)
    snap = store.snapshot()
    rates = {row.name: row.rps for row in snap.requests}
    # Over the last 3 s: 300 pings and 30 sends, which the aggregated row counts 110/s.
    assert rates == {"ping_mediator": pytest.approx(100.0), "send_message": pytest.approx(10.0)}
    assert snap.total.rps == pytest.approx(sum(rates.values()))


def test_without_histograms_the_aggregated_row_uses_locusts_window_and_endpoints_cumulative():
    clock = Clock()
    store = make_store(clock)
    feed_counts(store, clock, [100])
    snap = store.snapshot()
    assert snap.total.percentile_source == "window"
    assert (snap.total.interval_p50_ms, snap.total.interval_p95_ms) == (11.0, 20.0)
    assert snap.total.interval_p99_source == "cumulative"  # Locust's window has no p99
    assert snap.requests[0].percentile_source == "cumulative"
    assert snap.requests[0].interval_p95_ms == snap.requests[0].p95_ms == 20.0


def test_no_requests_means_unknown_latency_not_zero():
    store = make_store(Clock())
    store.feed(fixture("locust_stats_idle.json"), None)
    snap = store.snapshot()
    assert snap.total.count == 0
    assert snap.total.p95_ms is None and snap.total.max_ms is None
    assert snap.requests == ()


def test_status_workers_users_and_failures_from_a_running_masters_payload():
    store = make_store(Clock())
    store.feed(fixture("locust_stats_run2.json"), None)
    snap = store.snapshot()
    assert snap.status.connected and snap.status.state == "running" and snap.status.users == 10
    assert snap.status.worker_count == 1 and snap.status.missing_workers == ()
    assert snap.failures[0].error == "RuntimeError('synthetic failure')"
    assert snap.failures[0].occurrences == 10
    assert snap.requests[0].key == "DIDComm ping_mediator"


def test_missing_agent_route_means_unknown_agents_not_an_error():
    store = make_store(Clock())
    store.feed(fixture("locust_stats_run2.json"), None)
    snap = store.snapshot()
    assert snap.status.error == ""
    assert not snap.agents.known and not snap.ports.known and not snap.memory.known
    assert snap.memory.host_available_bytes == 8_000_000_000


def test_agents_ports_memory_and_crashes_from_the_agent_route():
    clock = Clock()
    store = make_store(clock)
    agents = fixture("agents_route.json")
    store.feed(fixture("locust_stats_run2.json"), agents, t=clock.t)
    later = copy.deepcopy(agents)
    later["total"]["ports"]["in_use"] = 30
    clock.t += 10.0
    store.feed(fixture("locust_stats_run2.json"), later, t=clock.t)  # same crash again: counted once
    snap = store.snapshot()
    assert (snap.agents.running, snap.agents.crashed, snap.agents.start_failures) == (10, 1, 1)
    assert len(snap.agents.crash_log) == 1
    assert snap.agents.crash_log[0].worker_id == "vm_a" and "hang up" in snap.agents.crash_log[0].stderr_tail
    assert (snap.ports.size, snap.ports.in_use, snap.ports.refused) == (200, 30, 1)
    assert snap.ports.trend_per_s == pytest.approx(2.0)
    assert snap.memory.per_agent_unique_bytes == pytest.approx(100_000_000)
    assert snap.memory.projected_more_agents == 80  # 8 GB available / 100 MB per agent
    assert [w.per_agent_unique_bytes for w in snap.memory.per_worker] == [100_000_000, 100_000_000]
    assert snap.status.engine == "credo"


def test_the_agents_target_is_the_agents_the_scenario_means_to_run_not_the_users():
    # Six deliver users hold two wallets each: the Agents pane reads 12 running of 12, not 12 of 6.
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(6, 6.0)
    deliver, stopped = running_and_ended_agents()
    deliver["total"]["agents"].update(running=12, slots=12)
    store.feed(stats_with(10, users=6), deliver, t=clock.t)
    assert (store.snapshot().agents.running, store.snapshot().agents.target) == (12, 12)
    # The agents stop with their users; the target the run had stays.
    store.feed(fixture("locust_stats_stopped.json"), stopped, t=clock.t + 1)
    assert store.snapshot().agents.target == 12
    # A worker that does not report its slots: the target is the users asked for, as before.
    fresh = make_store(clock)
    fresh.swarm_requested(6, 6.0)
    fresh.feed(stats_with(10, users=6), fixture("agents_route.json"), t=clock.t)
    assert fresh.snapshot().agents.target == 6


def test_unreadable_fields_are_unknown_and_the_rest_of_the_payload_is_used():
    store = make_store(Clock())
    stats = fixture("locust_stats_run2.json")
    stats["workers"][0]["memory_usage"] = None  # a worker whose memory probe sent null
    stats["stats"][0]["num_failures"] = "abc"
    stats["stats"][0]["response_time_percentile_0.99"] = float("nan")
    stats["errors"].append("not an object")
    agents = fixture("agents_route.json")
    agents["total"]["agents"]["crashed"] = float("inf")
    agents["total"]["ports"] = None
    agents["workers"]["vm_a"]["memory"]["pss_bytes"] = [1]
    store.feed(stats, agents)
    snap = store.snapshot()
    assert snap.status.connected and snap.status.error == "" and snap.status.users == 10
    assert snap.status.workers[0].memory_bytes is None and snap.status.workers[0].state == "running"
    ping = snap.requests[0]
    assert (ping.count, ping.failures, ping.p95_ms, ping.p99_ms) == (763, 0, 20.0, None)
    assert [f.occurrences for f in snap.failures] == [10]
    assert (snap.agents.running, snap.agents.crashed) == (10, 0)
    assert not snap.ports.known
    assert snap.memory.per_worker[0].pss_bytes is None and snap.memory.per_worker[0].unique_bytes == 400_000_000


@pytest.mark.parametrize("payload", [None, [], "running", 3])
def test_a_stats_payload_that_is_not_an_object_is_a_status_error(payload):
    store = make_store(Clock())
    store.feed(fixture("locust_stats_run2.json"), None)
    store.feed(payload, None)
    snap = store.snapshot()
    assert not snap.status.connected and snap.status.state == "unreachable"
    assert "master sent" in snap.status.error and "instead of a JSON object" in snap.status.error
    assert snap.total.count == 763  # the last figures stay on screen


def test_unreachable_master_is_a_status_with_a_reason():
    store = make_store(Clock())
    store.feed_error("cannot reach the master at http://127.0.0.1:1: connection refused")
    snap = store.snapshot()
    assert not snap.status.connected and snap.status.state == "unreachable"
    assert "connection refused" in snap.status.error


def test_elapsed_counts_from_the_swarm_and_stops_with_the_run():
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(10, 5.0)
    clock.t += 1.0
    store.feed(stats_with(10), None, t=clock.t)
    clock.t += 29.0
    store.feed(stats_with(100, state="stopped"), None, t=clock.t)
    clock.t += 100.0
    assert store.snapshot().status.elapsed_s == pytest.approx(30.0)
    assert store.snapshot().status.target_users == 10


def test_a_stale_running_state_after_our_stop_does_not_restart_the_clock():
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(10, 5.0)
    clock.t += 8.0
    store.feed(stats_with(100), None, t=clock.t)
    store.swarm_stopped()
    clock.t += 1.0
    store.feed(stats_with(120), None, t=clock.t)  # computed before the stop reached the master
    clock.t += 2.0
    store.feed(stats_with(130, state="stopped"), None, t=clock.t)
    assert store.snapshot().status.elapsed_s == pytest.approx(8.0)


def test_attaching_to_a_running_master_starts_the_clock_at_the_first_poll():
    clock = Clock()
    store = make_store(clock)
    store.feed(stats_with(5000), None, t=clock.t)
    clock.t += 5.0
    store.feed(stats_with(5500), None, t=clock.t)
    assert store.snapshot().status.elapsed_s == pytest.approx(5.0)


def test_a_payload_from_locusts_cache_repeats_the_last_rate_instead_of_dropping_it():
    clock = Clock()
    store = make_store(clock, rate_window_s=3.0)
    feed_counts(store, clock, [0, 0, 0, 300])
    clock.t += 1.0
    store.feed(stats_with(300), None, t=clock.t)  # the same payload again: served from the 2 s cache
    points = store.snapshot().series().points
    assert [p.rps for p in points[-2:]] == pytest.approx([100.0, 100.0])
    assert int(points[-1].t) == int(clock.t)


def running_and_ended_agents() -> tuple[dict, dict]:
    """The agent route while 10 agents run, and once they have all ended."""
    running = fixture("agents_route.json")
    ended = copy.deepcopy(running)
    ended["total"]["agents"]["running"] = 0
    ended["total"]["memory"].update(agents=0, unique_bytes=5_000_000)
    return running, ended


def test_memory_at_the_peak_and_per_agent_survive_the_stop_that_ends_every_agent():
    clock = Clock()
    store = make_store(clock)
    running, stopped = running_and_ended_agents()
    store.feed(fixture("locust_stats_run2.json"), running, t=clock.t)
    store.feed(fixture("locust_stats_stopped.json"), stopped, t=clock.t + 1)
    snap = store.snapshot()
    assert snap.memory.agents == 0
    # Ten credo agents, each a process of its own: 1 GB of their own memory is 100 MB each, measured while they ran.
    assert (snap.memory.peak_agents, snap.memory.per_agent_unique_bytes) == (10, 100_000_000)
    assert snap.agents.peak_running == 10


def test_a_new_swarm_after_a_stop_starts_a_new_run_like_locust_does():
    clock = Clock()
    store = make_store(clock)
    store.swarm_requested(10, 5.0)
    feed_counts(store, clock, [100, 200])
    store.swarm_stopped()
    clock.t += 5.0
    store.swarm_requested(3, 1.0)
    feed_counts(store, clock, [0, 30])
    snap = store.snapshot()
    assert snap.total.count == 30 and snap.status.target_users == 3
    assert snap.status.elapsed_s == pytest.approx(2.0)
    assert len(snap.series().points) == 2


def test_a_connection_blip_mid_run_keeps_the_run_and_its_history():
    clock = Clock()
    store = make_store(clock)
    feed_counts(store, clock, [100, 200, 300])
    store.feed_error("the master at http://127.0.0.1:8089 did not answer within 3 s")
    assert store.snapshot().status.state == "unreachable"
    feed_counts(store, clock, [400])
    snap = store.snapshot()
    assert snap.status.state == "running" and snap.status.error == ""
    assert len(snap.series().points) == 4 and snap.status.elapsed_s == pytest.approx(3.0)


def test_a_stats_reset_mid_run_restarts_figures_and_clock_but_not_the_run():
    clock = Clock()
    store = make_store(clock)
    feed_counts(store, clock, [100, 200, 300])
    store.reset()
    feed_counts(store, clock, [0, 40])
    snap = store.snapshot()
    assert snap.total.count == 40 and snap.status.state == "running"
    assert snap.status.elapsed_s == pytest.approx(2.0)


def test_thresholds_judge_the_running_test_not_the_agents_shutting_down_after_the_stop():
    from mediator_tui.core.thresholds import check_all, parse_thresholds

    clock = Clock()
    store = make_store(clock)
    running, shutting_down = running_and_ended_agents()
    store.feed(fixture("locust_stats_run2.json"), running, t=clock.t)
    store.stop_requested()
    # Locust still says "running" while the workers end their agents.
    store.feed(fixture("locust_stats_run2.json"), shutting_down, t=clock.t + 1)
    store.swarm_stopped()
    store.feed(fixture("locust_stats_stopped.json"), shutting_down, t=clock.t + 2)
    snap = store.snapshot()
    assert snap.agents.running == 0 and snap.memory.agents == 0  # the live figures
    results = check_all(
        parse_thresholds(
            ["agents_running<10", "memory_per_agent>1000000000", "crashes>1", "ports_refused>0", "workers_missing>0"]
        ),
        snap,
    )
    assert [(r.value, r.ok) for r in results] == [(10, True), (100_000_000, True), (1, True), (1, False), (0, True)]


def test_a_run_where_no_agent_started_or_no_request_succeeded_says_nothing_worked():
    clock = Clock()
    store = make_store(clock)
    none_started = fixture("agents_route.json")
    none_started["total"]["agents"].update(running=0, started=0, start_failures=3)
    store.feed(stats_with(5, failures=5), none_started, t=clock.t)
    assert store.snapshot().judged.nothing_worked == "no agent started (3 start failures)"
    store.feed(stats_with(5, failures=5), fixture("agents_route.json"), t=clock.t + 1)
    assert store.snapshot().judged.nothing_worked == "no request succeeded (all 5 failed)"
    store.feed(stats_with(6, failures=5), fixture("agents_route.json"), t=clock.t + 2)
    assert store.snapshot().judged.nothing_worked == ""


@pytest.mark.parametrize(
    "interval",
    [
        {"10": 10, "20": 10},  # 20 requests: the median is request 11 (Locust), not 10 (nearest rank)
        {"5": 1, "7": 18, "300": 1},
        {"12": 3, "13": 4, "40": 93},
        {"2": 37, "3": 29, "4": 11, "90": 23},
    ],
)
def test_interval_percentiles_agree_with_locusts_own_on_the_same_histogram(interval):
    clock = Clock()
    store = make_store(clock, rate_window_s=2.0)
    before = {"1000": 5}
    after = {**before, **interval}
    for histogram in (before, before, after):
        clock.t += 1.0
        count = sum(histogram.values())
        store.feed(stats_with(count), None, route_stats(count, histogram), t=clock.t)
    row = store.snapshot().requests[0]
    assert (row.interval_p50_ms, row.interval_p95_ms, row.interval_p99_ms) == locusts_percentiles(interval)


def locusts_percentiles(histogram: dict[str, int]) -> tuple[float, ...]:
    """Locust's own p50/p95/p99 of `histogram`, computed in a process of its own: importing locust here
    would monkey-patch ssl under the modules that already imported it."""
    probe = (
        "import json, sys\n"
        "from locust.stats import calculate_response_time_percentile as percentile\n"
        "h = {int(ms): n for ms, n in json.loads(sys.argv[1]).items()}\n"
        "print(json.dumps([percentile(h, sum(h.values()), p) for p in (0.5, 0.95, 0.99)]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(histogram)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return tuple(float(value) for value in json.loads(out))
