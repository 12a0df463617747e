"""The delivery ledger: each message sent is delivered, lost or in flight, and arrivals beside that are counted."""

import pytest

from mediator_tui.contracts.worker_report import DeliveryReport, WorkerReport
from mediator_tui.locust_support.agent_metrics import AgentMetricsBoard, aggregate
from mediator_tui.locust_support.delivery_ledger import DeliveryLedger, rounded_ms


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ledger(clock):
    return DeliveryLedger(timeout_s=10, clock=clock)


def counts(ledger):
    c = ledger.report().counts
    assert c.sent == c.delivered + c.lost + c.in_flight  # the identity every report keeps
    return c


def test_a_message_arriving_in_time_is_delivered_with_its_latency(ledger, clock):
    content = ledger.tag("hello", "conn")
    clock.now += 0.25
    ledger.arrived(content)
    report = ledger.report()
    assert (report.counts.sent, report.counts.delivered, report.counts.in_flight) == (1, 1, 0)
    assert report.latency_ms == {250.0: 1}


def test_a_message_not_arrived_is_in_flight_until_its_timeout_then_lost(ledger, clock):
    ledger.tag("hello", "conn")
    clock.now += 9.9
    assert (counts(ledger).in_flight, counts(ledger).lost) == (1, 0)
    clock.now += 0.2
    assert (counts(ledger).in_flight, counts(ledger).lost) == (0, 1)


def test_a_message_pending_as_the_users_stop_stays_in_flight_however_long_the_stop_takes(ledger, clock):
    ledger.tag("sent before the stop", "conn")
    arriving = ledger.tag("arrives while the agents stop", "conn")
    clock.now += 5
    ledger.stop_judging()
    clock.now += 60  # agents that take a minute to stop: every deadline has passed by the last report
    ledger.arrived(arriving)
    c = counts(ledger)
    assert (c.sent, c.delivered, c.in_flight, c.lost, c.late) == (2, 1, 1, 0, 0)


def test_deadlines_judge_again_once_the_next_run_starts(ledger, clock):
    ledger.tag("pending across a stop", "conn")
    ledger.stop_judging()
    clock.now += 20
    assert (counts(ledger).in_flight, counts(ledger).lost) == (1, 0)
    ledger.resume_judging()
    ledger.tag("sent in the next run", "conn")
    assert (counts(ledger).in_flight, counts(ledger).lost) == (1, 1)
    clock.now += 10.1
    assert (counts(ledger).in_flight, counts(ledger).lost) == (0, 2)


def test_a_lost_message_arriving_after_all_is_late_and_stays_lost(ledger, clock):
    content = ledger.tag("hello", "conn")
    clock.now += 11
    ledger.arrived(content)
    c = counts(ledger)
    assert (c.lost, c.late, c.delivered, c.duplicated) == (1, 1, 0, 0)
    ledger.arrived(content)  # and once more: a duplicate
    assert (counts(ledger).late, counts(ledger).duplicated) == (1, 1)


def test_a_second_arrival_is_a_duplicate_not_a_second_delivery(ledger, clock):
    content = ledger.tag("hello", "conn")
    ledger.arrived(content)
    ledger.arrived(content)
    ledger.arrived(content)
    c = counts(ledger)
    assert (c.sent, c.delivered, c.duplicated) == (1, 1, 2)
    assert sum(ledger.report().latency_ms.values()) == 1


def test_out_of_order_is_counted_per_connection(ledger):
    first, second = ledger.tag("a", "conn-1"), ledger.tag("b", "conn-1")
    other = ledger.tag("c", "conn-2")
    ledger.arrived(second)
    ledger.arrived(other)
    ledger.arrived(first)  # behind `second` on conn-1
    c = counts(ledger)
    assert (c.delivered, c.out_of_order) == (3, 1)


def test_a_failed_send_is_not_counted_as_sent(ledger, clock):
    content = ledger.tag("hello", "conn")
    with pytest.raises(OSError):
        ledger.send(content, lambda: (_ for _ in ()).throw(OSError("refused")))
    clock.now += 20
    c = counts(ledger)
    assert (c.sent, c.lost, c.in_flight) == (0, 0, 0)
    assert ledger.send(ledger.tag("hello", "conn"), lambda: "sent") == "sent"


def test_a_send_that_fails_after_its_deadline_is_withdrawn_from_lost_too(ledger, clock):
    content = ledger.tag("hello", "conn")

    def send_that_times_out():
        clock.now += 15  # longer than the ledger's 10 s: the worker's report judges it lost meanwhile
        assert counts(ledger).lost == 1
        raise TimeoutError("no reply within 15 s")

    with pytest.raises(TimeoutError):
        ledger.send(content, send_that_times_out)
    c = counts(ledger)
    assert (c.sent, c.delivered, c.lost, c.in_flight) == (0, 0, 0, 0)


def test_a_message_that_arrived_although_its_send_failed_was_sent(ledger, clock):
    content = ledger.tag("hello", "conn")

    def send_whose_reply_is_lost():
        ledger.arrived(content)
        raise TimeoutError("no reply")

    with pytest.raises(TimeoutError):
        ledger.send(content, send_whose_reply_is_lost)
    c = counts(ledger)
    assert (c.sent, c.delivered, c.lost) == (1, 1, 0)


def test_messages_of_nobody_here_are_ignored(ledger):
    ledger.arrived("hello #0123456789ab")
    ledger.arrived("no id at all")
    assert counts(ledger) == DeliveryReport().counts


def test_old_outcomes_are_forgotten_and_the_counts_stay(ledger, clock):
    for _ in range(50):
        ledger.arrived(ledger.tag("x", "conn"))
        ledger.tag("y", "conn")
        clock.now += 5
    clock.now += 1000
    c = counts(ledger)
    assert (c.sent, c.delivered, c.lost, c.in_flight) == (100, 50, 50, 0)
    assert len(ledger._entries) == 0


def test_buckets_are_rounded_as_locust_rounds_response_times():
    assert [rounded_ms(ms) for ms in (42.4, 123, 4567, 23456)] == [42, 120, 4600, 23000]


def report(worker, ledger):
    return WorkerReport(worker_id=worker, ts=0, engine="native", delivery=ledger.report())


def test_the_master_sums_workers_and_a_reset_keeps_the_identity(clock):
    one, two = DeliveryLedger(10, clock), DeliveryLedger(10, clock)
    for ledger in (one, two):
        ledger.arrived(ledger.tag("x", "c"))
        ledger.tag("pending", "c")
    board = AgentMetricsBoard()
    board.receive(report("w1", one))
    board.receive(report("w2", two))
    total = board.view(now=0).total.delivery.counts
    assert (total.sent, total.delivered, total.in_flight) == (4, 2, 2)
    board.reset(now=1)
    clock.now += 20  # the pending ones time out after the reset
    board.receive(report("w1", one))
    board.receive(report("w2", two))
    since = board.view(now=2).total.delivery
    assert (since.counts.sent, since.counts.delivered, since.counts.lost, since.counts.in_flight) == (2, 0, 2, 0)
    assert since.latency_ms == {}


def test_the_delivery_part_crosses_the_wire_and_old_reports_read_as_zero(ledger):
    ledger.arrived(ledger.tag("x", "c"))
    sent = report("w1", ledger)
    assert WorkerReport.from_json(sent.to_json()).delivery == sent.delivery
    body = sent.to_json()
    del body["delivery"]
    assert WorkerReport.from_json(body).delivery == DeliveryReport()
    view = aggregate({"w1": sent}, {}, now=0)
    assert type(view).from_json(view.to_json()).total.delivery == sent.delivery
