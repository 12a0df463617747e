"""The master's aggregate of worker reports (the `/mediator-tui/agents` body) and its reset."""

import time

from mediator_tui.contracts.agents_view import STALE_AFTER_S, AgentsView
from mediator_tui.contracts.worker_report import WorkerReport
from mediator_tui.locust_support.agent_metrics import AgentMetricsBoard, WorkerAgentCounters
from tests.support.master_payloads import report_json


def report(*args, **kwargs) -> WorkerReport:
    """A worker's report as the master reads it off the wire."""
    return WorkerReport.from_json(report_json(*args, **kwargs))


def test_total_sums_workers():
    clock = [100.0]
    board = AgentMetricsBoard(clock=lambda: clock[0])
    board.receive(
        report("w1", running=3, started=4, crashed=1, restarted=1, slots=6, in_use=2, in_use_max=3, refused=1)
    )
    board.receive(report("w2", running=2, started=2, slots=2, in_use=1, in_use_max=1))
    clock[0] = 101.0
    view = board.view(now=101).to_json()
    total = view["total"]
    assert total["agents"] == {
        "running": 5,
        "started": 6,
        "crashed": 1,
        "restarted": 1,
        "start_failures": 0,
        "reconnects": 0,
        "slots": 8,
        "onboarding_waiting": 0,
        "onboarding_in_flight": 0,
        "onboarding_cap": 0,
    }
    assert total["ports"] == {"size": 20, "in_use": 3, "in_use_max": 4, "refused": 1}
    assert total["memory"]["unique_bytes"] == 60
    assert total["memory"]["agents"] == 5
    assert total["memory"]["pss_bytes"] == 90
    assert total["engine"] == "native"
    assert set(view["workers"]) == {"w1", "w2"}
    assert view["workers"]["w1"]["age_s"] == 1


def test_node_agents_shared_memory_counts_once_per_host_not_once_per_worker():
    def credo(worker, host, shared):
        return report(
            worker,
            running=2,
            engine="credo",
            host=host,
            memory={"worker_rss_bytes": 50, "agent_processes": 2, "unique_bytes": 100, "shared_bytes": shared},
        )

    board = AgentMetricsBoard()
    board.receive(credo("w1", "vm-a", 51_000_000))
    board.receive(credo("w2", "vm-a", 53_000_000))  # same host: the same node binary and libraries
    board.receive(credo("w3", "vm-b", 50_000_000))
    board.receive(credo("w4", None, 49_000_000))  # a worker that does not say its host: its own
    view = board.view().to_json()
    assert view["total"]["memory"]["shared_bytes"] == 53_000_000 + 50_000_000 + 49_000_000
    assert view["total"]["memory"]["unique_bytes"] == 400
    assert view["workers"]["w1"]["host"] == "vm-a"


def test_unknown_pss_of_one_worker_makes_the_total_unknown():
    board = AgentMetricsBoard()
    board.receive(report("w1", running=1))
    board.receive(report("w2", running=1, memory={"worker_rss_bytes": 1, "unique_bytes": 1, "pss_bytes": None}))
    assert board.view().to_json()["total"]["memory"]["pss_bytes"] is None


def test_silent_worker_is_marked_stale():
    """Ages by the monotonic clock: the wall clock (the view's label) jumping back an hour changes nothing."""
    clock = [100.0]
    board = AgentMetricsBoard(clock=lambda: clock[0])
    board.receive(report("w1"))
    clock[0] = 100 + STALE_AFTER_S
    board.receive(report("w2"))
    clock[0] = 100 + STALE_AFTER_S + 1
    workers = board.view(now=time.time() - 3600).to_json()["workers"]
    assert workers["w1"]["stale"] is True
    assert workers["w2"]["stale"] is False


def test_crashes_are_newest_last_across_workers_and_name_their_worker():
    board = AgentMetricsBoard()
    board.receive(report("w1", crashes=[{"ts": 5, "user": "a", "reason": "exit 1", "stderr_tail": "boom"}]))
    board.receive(
        report(
            "w2",
            crashes=[
                {"ts": 3, "user": "b", "reason": "killed", "stderr_tail": ""},
                {"ts": 9, "user": "c", "reason": "exit 2", "stderr_tail": ""},
            ],
        )
    )
    crashes = board.view().to_json()["total"]["crashes"]
    assert [(c["ts"], c["worker_id"]) for c in crashes] == [(3, "w2"), (5, "w1"), (9, "w2")]


def test_reset_shows_counts_since_the_reset_but_keeps_running_agents():
    board = AgentMetricsBoard()
    old_crash = {"ts": 50.0, "user": "a", "reason": "old", "stderr_tail": ""}
    board.receive(
        report(
            "w1", running=4, started=6, crashed=2, restarted=2, refused=3, in_use=2, in_use_max=5, crashes=[old_crash]
        )
    )
    board.reset(now=100)
    new_crash = {"ts": 101.0, "user": "b", "reason": "new", "stderr_tail": ""}
    board.receive(
        report(
            "w1",
            running=4,
            started=7,
            crashed=3,
            restarted=3,
            refused=3,
            in_use=3,
            in_use_max=5,
            crashes=[old_crash, new_crash],
        )
    )
    view = board.view(now=102).to_json()
    agents = view["total"]["agents"]
    assert (agents["running"], agents["started"], agents["crashed"], agents["restarted"]) == (4, 1, 1, 1)
    assert view["total"]["ports"]["refused"] == 0
    # The old peak of 5 was before the reset; since then at most 3 were in use.
    assert view["total"]["ports"]["in_use_max"] == 3
    assert [c["reason"] for c in view["total"]["crashes"]] == ["new"]
    assert view["workers"]["w1"]["agents"]["started"] == 1


def test_new_peak_after_reset_shows():
    board = AgentMetricsBoard()
    board.receive(report("w1", in_use=1, in_use_max=5))
    board.reset(now=100)
    board.receive(report("w1", in_use=2, in_use_max=8))
    assert board.view(now=101).to_json()["total"]["ports"]["in_use_max"] == 8


def test_worker_joining_after_reset_counts_from_zero():
    board = AgentMetricsBoard()
    board.reset(now=100)
    board.receive(report("w3", started=2, running=2))
    board.receive(report("w3", started=3, running=3))
    assert board.view(now=102).to_json()["total"]["agents"]["started"] == 3


def test_worker_counters_track_starts_crashes_and_reconnects():
    counters = WorkerAgentCounters()
    counters.agent_started(restart=False)
    counters.agent_started(restart=False)
    counters.agent_gone(reconnects=2, crash={"user": "u1", "reason": "exit code 1", "stderr_tail": "x" * 5000})
    counters.agent_started(restart=True)
    counters.agent_start_failed()
    counters.agent_gone(reconnects=1)
    counters.slots_held(2)  # a user of two wallets began, one of one wallet began and ended
    counters.slots_held(1)
    counters.slots_held(-1)
    snap = counters.agents_snapshot(live_reconnects=4)
    assert snap.to_json() == {
        "running": 1,
        "started": 3,
        "crashed": 1,
        "restarted": 1,
        "start_failures": 1,
        "reconnects": 7,
        "slots": 2,
        "onboarding_waiting": 0,
        "onboarding_in_flight": 0,
        "onboarding_cap": 0,
    }
    (crash,) = counters.crashes
    assert crash.reason == "exit code 1" and len(crash.stderr_tail) == 2000


def test_a_report_of_another_release_is_refused_and_the_view_names_both_versions():
    board = AgentMetricsBoard()
    board.receive_json("w1", report_json("w1", running=3))
    board.receive_json("w2", {**report_json("w2", running=5), "version": 2})
    view = board.view(now=101).to_json()
    assert set(view["workers"]) == {"w1"} and view["total"]["agents"]["running"] == 3
    assert view["refused"] == [
        "worker 'w2' sends agent reports version 2, this master reads version 1: use the same release on both"
    ]
    board.receive_json("w2", report_json("w2", running=5))  # upgraded: counted again
    view = board.view(now=102).to_json()
    assert view["refused"] == [] and view["total"]["agents"]["running"] == 8


def test_what_a_worker_sends_is_what_the_master_reads():
    counters = WorkerAgentCounters()
    counters.agent_started(restart=False)
    counters.agent_gone(reconnects=1, crash={"user": "u1", "reason": "exit code 1", "stderr_tail": "boom"})
    sent = WorkerReport(
        worker_id="w1", ts=5.0, engine="credo", agents=counters.agents_snapshot(0), crashes=tuple(counters.crashes)
    )
    assert WorkerReport.from_json(sent.to_json()) == sent


def test_the_master_serves_each_workers_report_size_with_the_largest_and_the_bytes_a_second():
    board = AgentMetricsBoard()
    board.receive_json("w1", report_json("w1"), report_bytes=3_000)
    board.receive_json("w2", report_json("w2"), report_bytes=5_500)
    view = AgentsView.from_json(board.view().to_json())  # as the tool reads the route
    assert {w.report.worker_id: w.report_bytes for w in view.workers} == {"w1": 3_000, "w2": 5_500}
    assert (view.total.report_bytes_max, view.total.report_bytes_sum) == (5_500, 8_500)
    board.receive_json("w1", report_json("w1", ts=101.0), report_bytes=2_000)  # its last report counts
    assert board.view().total.report_bytes_sum == 7_500


def test_a_silent_workers_last_report_is_not_among_the_bytes_the_master_reads_each_second():
    clock = [100.0]
    board = AgentMetricsBoard(clock=lambda: clock[0])
    board.receive_json("w1", report_json("w1"), report_bytes=9_000)
    clock[0] += STALE_AFTER_S
    board.receive_json("w2", report_json("w2"), report_bytes=4_000)
    clock[0] += 1
    view = board.view()
    assert [w.report_bytes for w in view.workers] == [9_000, 4_000]  # the stale one keeps its last figure
    assert (view.total.report_bytes_max, view.total.report_bytes_sum) == (4_000, 4_000)


def test_reports_that_crossed_no_wire_have_no_size():
    """A plain `locust -f` reads its own report: nothing was sent, so nothing is measured."""
    board = AgentMetricsBoard()
    board.receive(report("local"))
    view = AgentsView.from_json(board.view().to_json())
    assert view.workers[0].report_bytes is None
    assert (view.total.report_bytes_max, view.total.report_bytes_sum) == (None, None)
