"""Whatever a master serves (fields missing, of the wrong type, absurd), the metric store keeps going.

The payloads start from well-formed bodies (tests/data/: Locust's stats, locust_stats_*.json; the
hand-written agents route, agents_route.json; the requests route, requests_route.json) and hypothesis
breaks them: keys removed, values replaced by garbage, whole objects swapped.
A store that raised here would stop the poller thread, and the dashboard would freeze.
"""

from __future__ import annotations

import copy
import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator_tui.core.export.tables import summary, summary_json
from mediator_tui.core.metrics.memory import HostMemory
from mediator_tui.core.metrics.store import MetricStore
from tests.support.paths import DATA

STATS_BODIES = [
    json.loads((DATA / name).read_text())
    for name in (
        "locust_stats_idle.json",
        "locust_stats_run1.json",
        "locust_stats_run2.json",
        "locust_stats_stopped.json",
    )
]
AGENTS_BODY = json.loads((DATA / "agents_route.json").read_text())
HISTOGRAMS_BODY = json.loads((DATA / "requests_route.json").read_text())
GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0]),
    st.text(max_size=8),
    st.just([]),
    st.just({}),
    st.just([None, "x", {}]),
    st.just({"x": None}),
)


def _paths(value, prefix=()):
    """Every (path) to a value inside nested dicts and lists."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def _break(data, payload, max_edits: int = 6):
    payload = copy.deepcopy(payload)
    for _ in range(data.draw(st.integers(0, max_edits))):
        paths = [p for p in _paths(payload) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(data.draw(GARBAGE))  # fresh: shared objects would make cycles
    return payload


class Clock:
    t = 1000.0

    def __call__(self) -> float:
        return self.t


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_broken_payloads_never_break_the_store(data):
    clock = Clock()
    store = MetricStore("local", "http://127.0.0.1:8089", clock=clock)
    store.feed_host_memory(HostMemory(total_bytes=16 << 30, available_bytes=8 << 30))
    store.swarm_requested(10, 2.0, 60.0)
    for _ in range(data.draw(st.integers(1, 4))):
        clock.t += 1.0
        if data.draw(st.integers(0, 9)) == 0:
            stats = copy.deepcopy(data.draw(GARBAGE))
            agents = copy.deepcopy(data.draw(st.one_of(GARBAGE, st.just(AGENTS_BODY))))
            histograms = copy.deepcopy(data.draw(st.one_of(GARBAGE, st.just(HISTOGRAMS_BODY))))
        else:
            stats = _break(data, data.draw(st.sampled_from(STATS_BODIES)))
            agents = _break(data, AGENTS_BODY) if data.draw(st.booleans()) else None
            histograms = _break(data, HISTOGRAMS_BODY) if data.draw(st.booleans()) else None
        store.feed(stats, agents, histograms, t=clock.t)
        snapshot = store.snapshot()
    json.loads(summary_json(summary(snapshot, [])))
