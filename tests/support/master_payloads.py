"""What a Locust master serves, as the store's tests feed it: the stats of tests/data/ with their counts replaced,
a worker's report, the agents view's delivery figures; and a clock the test moves."""

import json

from mediator_tui.contracts.agents_view import AgentsTotal, AgentsView
from mediator_tui.contracts.worker_report import DeliveryCounts, DeliveryReport
from mediator_tui.core.metrics.memory import HostMemory
from mediator_tui.core.metrics.store import MetricStore
from tests.support.paths import DATA


def fixture(name: str) -> dict:
    return json.loads((DATA / name).read_text())


class Clock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def stats_with(
    count: int, failures: int = 0, state: str = "running", users: int = 10, median=11, p95=20, p99=22
) -> dict:
    """The running master's stats (tests/data/locust_stats_run2.json) with its counts replaced (both rows: one
    endpoint only)."""
    payload = fixture("locust_stats_run2.json")
    payload["state"], payload["user_count"] = state, users
    for row in payload["stats"]:
        row.update(
            num_requests=count,
            num_failures=failures,
            median_response_time=median,
            **{"response_time_percentile_0.95": p95, "response_time_percentile_0.99": p99},
        )
    return payload


def make_store(clock: Clock, **kwargs) -> MetricStore:
    store = MetricStore("local", "http://127.0.0.1:8089", clock=clock, **kwargs)
    store.feed_host_memory(HostMemory(total_bytes=16_000_000_000, available_bytes=8_000_000_000))
    return store


def view(sent, delivered, lost=0, in_flight=0, latency=None, **others) -> dict:
    counts = DeliveryCounts(sent=sent, delivered=delivered, lost=lost, in_flight=in_flight, **others)
    return AgentsView(ts=0, total=AgentsTotal(delivery=DeliveryReport(counts, latency or {}))).to_json()


def report_json(
    worker,
    ts=100.0,
    running=0,
    started=0,
    crashed=0,
    restarted=0,
    start_failures=0,
    reconnects=0,
    slots=0,
    in_use=0,
    in_use_max=0,
    refused=0,
    size=10,
    crashes=(),
    memory=None,
    engine="native",
    host=None,
):
    return {
        **({"host": host} if host is not None else {}),
        "version": 1,
        "worker_id": worker,
        "ts": ts,
        "engine": engine,
        "agents": {
            "running": running,
            "started": started,
            "crashed": crashed,
            "restarted": restarted,
            "start_failures": start_failures,
            "reconnects": reconnects,
            "slots": slots,
        },
        "crashes": list(crashes),
        "ports": {"size": size, "in_use": in_use, "in_use_max": in_use_max, "refused": refused},
        "memory": memory
        or {
            "worker_rss_bytes": 50,
            "worker_uss_bytes": 40,
            "agent_processes": 0,
            "unique_bytes": 30,
            "shared_bytes": 0,
            "pss_bytes": 45,
        },
        "limits": {"nofile": 1024, "max_agents": 0},
    }
