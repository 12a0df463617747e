"""What crosses a process boundary reads back as it was sent; another version is refused by name."""

import json

import pytest

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.contracts.request_histograms import RequestHistograms
from mediator_tui.contracts.version import VersionMismatch
from mediator_tui.contracts.worker_report import AgentCounts, AgentCrash, PortsUse, WorkerMemoryUse, WorkerReport
from tests.support.paths import DATA


def route_body(name: str) -> dict:
    """A body of a master's route as tests/data/ keeps it (the agents route's is hand-written)."""
    return json.loads((DATA / name).read_text())


def test_a_worker_report_reads_back_as_it_was_sent_through_json():
    report = WorkerReport(
        worker_id="w1",
        ts=12.5,
        engine="credo",
        agents=AgentCounts(running=2, started=3, crashed=1, restarted=1),
        crashes=(AgentCrash(ts=11.0, user="PingUser-1", reason="killed", stderr_tail="boom"),),
        ports=PortsUse(size=10, in_use=2, in_use_max=3),
        memory=WorkerMemoryUse(worker_rss_bytes=5, unique_bytes=4, pss_bytes=None),
    )
    assert WorkerReport.from_json(json.loads(json.dumps(report.to_json()))) == report


@pytest.mark.parametrize(
    "name, contract", [("agents_route.json", AgentsView), ("requests_route.json", RequestHistograms)]
)
def test_the_routes_bodies_read_back_unchanged(name, contract):
    body = route_body(name)
    assert contract.from_json(contract.from_json(body).to_json()) == contract.from_json(body)


def test_the_histograms_keep_locusts_buckets_as_numbers():
    histograms = RequestHistograms.from_json(route_body("requests_route.json"))
    ping = next(e for e in histograms.entries if e.name == "ping_mediator")
    assert sum(ping.response_times.values()) == ping.num_requests
    assert all(isinstance(ms, float) for ms in ping.response_times)


@pytest.mark.parametrize(
    "contract, body, message",
    [
        (AgentsView, {"version": 2}, "the master serves agent metrics version 2, this mediator-tui reads version 1"),
        (AgentsView, {}, "the master serves agent metrics without a version (an older release)"),
        (RequestHistograms, {"version": "1"}, "the master serves request histograms version '1', this mediator-tui"),
        (WorkerReport, {"version": 0, "worker_id": "vm_b"}, "worker 'vm_b' sends agent reports version 0, this master"),
    ],
)
def test_another_version_is_refused_naming_both(contract, body, message):
    with pytest.raises(VersionMismatch) as error:
        contract.from_json(body)
    assert message in str(error.value) and str(error.value).endswith("use the same release on both")


def test_an_unreadable_field_of_the_right_version_is_unknown_and_the_rest_is_read():
    body = route_body("agents_route.json")
    body["total"]["agents"]["crashed"] = "many"
    body["workers"]["vm_a"]["memory"] = None
    view = AgentsView.from_json(body)
    assert view.total.agents.crashed == 0 and view.total.agents.running == 10
    vm_a = next(w for w in view.workers if w.report.worker_id == "vm_a")
    assert vm_a.report.memory == WorkerMemoryUse() and vm_a.report.agents.running == 4


def test_report_sizes_from_a_master_that_does_not_measure_them_are_unknown():
    view = AgentsView.from_json(route_body("agents_route.json"))  # written before the master measured them
    assert {w.report_bytes for w in view.workers} == {None}
    assert (view.total.report_bytes_max, view.total.report_bytes_sum) == (None, None)


@pytest.mark.parametrize("garbage", ["3 KiB", -1, True, float("nan"), [1], {"bytes": 1}])
def test_a_report_size_that_is_no_size_is_unknown_and_the_rest_is_read(garbage):
    body = route_body("agents_route.json")
    body["workers"]["vm_a"]["report_bytes"] = garbage
    body["total"]["report_bytes_max"] = body["total"]["report_bytes_sum"] = garbage
    view = AgentsView.from_json(body)
    vm_a = next(w for w in view.workers if w.report.worker_id == "vm_a")
    assert vm_a.report_bytes is None and vm_a.report.agents.running == 4
    assert (view.total.report_bytes_max, view.total.report_bytes_sum) == (None, None)
