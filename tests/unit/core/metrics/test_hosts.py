"""Workers by host: what each host's workers hold, and why a missing one likely went (synthetic reports and a
clock the test moves)."""

import time

import pytest

from tests.support.host_reports import A, B, Run, report, worker


def test_workers_are_grouped_by_host_with_their_agents_cpu_files_and_ports():
    run = Run()
    ids = [f"load-a_{A}", f"load-a_{B}", f"load-b_{A}"]
    for second in range(3):
        run.poll(
            [worker(i) for i in ids],
            [
                report(ids[0], "load-a", 100 + second, cpu_seconds=0.5 * second, agents=10, open_files=200),
                report(ids[1], "load-a", 100 + second, cpu_seconds=0.25 * second, agents=20, open_files=300),
                report(ids[2], "load-b", 100 + second, cpu_seconds=0.0, agents=5, open_files=50),
            ],
        )
    hosts = run.hosts()
    assert set(hosts) == {"load-a", "load-b"}
    a = hosts["load-a"]
    assert [w.worker_id for w in a.workers] == ids[:2] and not a.missing
    assert [w.cpu_percent for w in a.workers] == pytest.approx([50.0, 25.0])  # CPU seconds over report seconds
    assert a.cpu_percent == pytest.approx(75.0)
    assert (a.agents, a.open_files, a.open_files_limit) == (30, 500, 2048)
    assert (a.local_ports_used, a.local_ports) == (30, 28232)
    assert hosts["load-b"].agents == 5 and hosts["load-b"].cpu_percent == pytest.approx(0.0)


def test_locusts_heartbeat_cpu_stands_in_until_two_reports_give_a_window():
    run = Run()
    wid = f"load-a_{A}"
    run.poll([worker(wid, cpu=42.0)], [report(wid, "load-a", 100, cpu_seconds=1.0)])
    assert run.hosts()["load-a"].workers[0].cpu_percent == 42.0


def test_a_worker_that_has_not_reported_yet_is_placed_by_the_host_its_locust_id_names():
    run = Run()
    run.poll([worker(f"load-c_{A}")], [])
    assert list(run.hosts()) == ["load-c"]


@pytest.mark.parametrize(
    "last_report, reason",
    [
        ({"cpu_step": 0.95}, "CPU near a core"),
        ({"open_files": 990, "nofile": 1024}, "out of descriptors"),
        ({"agents": 980, "local_ports": 1000}, "out of ports"),
        ({"cpu_step": 0.95, "open_files": 1000}, "CPU near a core, out of descriptors"),
        ({}, "no report since"),
    ],
    ids=["cpu", "files", "ports", "cpu-and-files", "none"],
)
def test_a_missing_worker_keeps_its_last_report_and_its_host_says_why_it_likely_went(last_report, reason):
    run = Run()
    wid, other = f"load-a_{A}", f"load-b_{A}"
    step = last_report.pop("cpu_step", 0.3)
    for second in range(2):
        run.poll(
            [worker(wid), worker(other)],
            [
                report(wid, "load-a", 100 + second, cpu_seconds=step * second, **last_report),
                report(other, "load-b", 100 + second, cpu_seconds=0.0),
            ],
        )
    went_at = run.clock.t + 1
    for _ in range(3):  # its last report stays in the master's view, older each time
        run.poll([worker(wid, state="missing"), worker(other)], [report(other, "load-b", 200, cpu_seconds=0.0)])
    host = run.hosts()["load-a"]
    (gone,) = host.missing
    assert gone.worker_id == wid and gone.missing_since == went_at and gone.last_report_at == went_at - 1.5
    if reason == "no report since":  # at no limit: when it last reported, local time
        reason += time.strftime(" %H:%M:%S", time.localtime(gone.last_report_at))
    assert gone.why_missing == reason and host.why_missing == reason
    assert host.live == () and host.agents == 0
    assert not run.hosts()["load-b"].missing
    status = run.store.snapshot().status
    assert status.missing_workers == (wid,) and status.worker_count == 1


def test_a_missing_worker_stays_missing_after_locust_forgets_it():
    run = Run()
    wid, other = f"load-a_{A}", f"load-b_{A}"
    run.poll([worker(wid), worker(other)], [report(wid, "load-a", 100, 0.0), report(other, "load-b", 100, 0.0)])
    run.poll([worker(wid, state="missing"), worker(other)], [])
    run.poll([worker(other)], [])  # Locust dropped it a minute after it went missing
    assert [w.worker_id for w in run.hosts()["load-a"].missing] == [wid]
    status = run.store.snapshot().status
    assert status.missing_workers == (wid,) and status.worker_count == 1
    assert run.store.snapshot().judged.workers_missing == 1


def test_a_worker_that_quits_is_not_missing():
    run = Run()
    wid, other = f"load-a_{A}", f"load-b_{A}"
    run.poll([worker(wid), worker(other)], [])
    run.poll([worker(other)], [])
    assert list(run.hosts()) == ["load-b"] and run.store.snapshot().status.missing_workers == ()


def test_a_worker_that_reports_again_is_back():
    run = Run()
    wid = f"load-a_{A}"
    run.poll([worker(wid)], [report(wid, "load-a", 100, 0.0)])
    run.poll([worker(wid, state="missing")], [])
    run.poll([worker(wid)], [report(wid, "load-a", 130, 1.0)])
    host = run.hosts()["load-a"]
    assert host.missing == () and host.workers[0].why_missing == "" and host.agents == 10


def test_a_worker_restarted_on_its_host_takes_the_place_of_the_missing_one():
    run = Run()
    old, new, other = f"load-a_{A}", f"load-a_{B}", f"load-b_{A}"
    run.poll([worker(old), worker(other)], [report(old, "load-a", 100, 0.0), report(other, "load-b", 100, 0.0)])
    run.poll([worker(old, state="missing"), worker(other)], [])
    run.poll([worker(old, state="missing"), worker(other), worker(new)], [report(new, "load-a", 5, 0.0)])
    host = run.hosts()["load-a"]
    assert [w.worker_id for w in host.workers] == [new] and host.missing == ()
    assert [w.worker_id for w in host.replaced] == [old] and host.replaced[0].why_missing.startswith("no report since")
    assert run.store.snapshot().status.missing_workers == ()
