"""The metric store's delivery figures, from the agents view the master serves."""

from mediator_tui.core.metrics.store import MetricStore
from tests.support.master_payloads import Clock, stats_with, view


def feed(store, clock, *views):
    for body in views:
        clock.t += 1
        store.feed(stats_with(10), body, t=clock.t)


def test_totals_and_exact_percentiles_of_the_run():
    clock = Clock()
    store = MetricStore("local", "", clock=clock)
    latency = {10: 90, 200: 8, 3000: 2}  # 100 deliveries
    feed(store, clock, view(103, 100, lost=2, in_flight=1, latency=latency, duplicated=3, late=1, out_of_order=4))
    d = store.snapshot().delivery
    assert d.known
    assert (d.sent, d.delivered, d.lost, d.in_flight, d.duplicated, d.late, d.out_of_order) == (103, 100, 2, 1, 3, 1, 4)
    assert d.sent == d.delivered + d.lost + d.in_flight
    assert (d.p50_ms, d.p95_ms, d.p99_ms, d.max_ms) == (10, 200, 3000, 3000)


def test_each_second_counts_what_happened_in_it_once_however_often_it_is_fed():
    store = MetricStore("local", "", clock=Clock())
    for t, body in (
        (1001.1, view(10, 10, latency={10: 10})),
        (1002.1, view(15, 12, in_flight=3, latency={10: 10, 50: 2})),
        (1002.7, view(20, 18, in_flight=2, latency={10: 10, 50: 2, 900: 6})),  # same second
        (1003.1, view(20, 18, lost=2, latency={10: 10, 50: 2, 900: 6})),
    ):
        store.feed(stats_with(10), body, t=t)
    points = store.snapshot().delivery.points
    assert [int(p.t) for p in points] == [1001, 1002, 1003]
    assert [p.sent_in_s for p in points] == [10, 10, 0]
    assert [p.delivered_in_s for p in points] == [10, 8, 0]
    assert [p.lost_in_s for p in points] == [0, 0, 2]
    assert sum(p.sent_in_s for p in points) == points[-1].sent
    assert (points[1].p50_ms, points[1].p95_ms) == (900, 900)  # the second's own deliveries
    assert points[2].p95_ms is None  # none delivered in that second: unknown, not zero


def test_no_agent_route_means_delivery_unknown():
    clock = Clock()
    store = MetricStore("local", "", clock=clock)
    feed(store, clock, None)
    assert not store.snapshot().delivery.known


def test_a_reset_starts_the_delivery_figures_again():
    clock = Clock()
    store = MetricStore("local", "", clock=clock)
    feed(store, clock, view(50, 50, latency={10: 50}))
    store.reset()
    feed(store, clock, view(4, 4, latency={20: 4}))
    d = store.snapshot().delivery
    assert (d.sent, d.p50_ms, [p.sent_in_s for p in d.points]) == (4, 20, [4])


def test_a_withdrawn_send_is_no_reset_and_makes_no_spike():
    """A send that fails is withdrawn from the ledger (its `sent` falls by one): the next seconds count what
    happened in them, not the run's total again (delivery.csv's per-second columns)."""
    store = MetricStore("local", "", clock=Clock())
    for t, body in (
        (1001.1, view(20, 18, in_flight=2, latency={10: 18})),
        (1002.1, view(19, 19, latency={10: 19})),  # one send withdrawn, one more delivered
        (1003.1, view(22, 21, in_flight=1, latency={10: 21})),
    ):
        store.feed(stats_with(10), body, t=t)
    points = store.snapshot().delivery.points
    assert [p.sent_in_s for p in points] == [20, 0, 3]
    assert [p.delivered_in_s for p in points] == [18, 1, 2]
    assert points[1].p50_ms == 10  # the second's one delivery, not the run's 19
    assert points[-1].sent == 22


def test_counters_that_fall_without_a_reset_call_start_the_figures_again():
    """Workers replaced under a running master: delivered falls, which no withdrawn send makes it do."""
    store = MetricStore("local", "", clock=Clock())
    for t, body in ((1001.1, view(50, 50, latency={10: 50})), (1002.1, view(4, 4, latency={20: 4}))):
        store.feed(stats_with(10), body, t=t)
    points = store.snapshot().delivery.points
    assert [(p.sent_in_s, p.delivered_in_s, p.p50_ms) for p in points] == [(50, 50, 10), (4, 4, 20)]
