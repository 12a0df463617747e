"""The probe tells a saturated mediator (not answering while its process is busy) from a stalled one (not
answering while its process is idle or stopped): fake readers on a fixed clock, the runner's own judgement."""

from dataclasses import replace
from itertools import pairwise

import pytest

from mediator_tui.core.capacity.lines import mediator_state
from mediator_tui.core.metrics.mediator import MediatorSeries
from mediator_tui.core.sources.probe import AdminCounts, AdminStatus, ProbeRunner, ProbeTarget, ProcessSample
from mediator_tui.core.sources.probe.runner import Readers
from mediator_tui.core.sources.probe.state import busy_percent
from tests.support.capacity_fakes import step

TIMEOUT_S = 2.0


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class FakeProcess:
    """The mediator's process at a CPU it is set to; notes when it was read."""

    def __init__(self, clock: Clock, log: list[str]) -> None:
        self.clock, self.log = clock, log
        self.cpu_percent: float | None = 0.0
        self.cpu_limit_cores: float | None = None  # the limit its cgroup holds
        self.cfs_periods = self.throttled_periods = 0  # its cgroup's counters since it was made
        self.stopped = False
        self.read_at: list[float] = []

    def read(self) -> ProcessSample:
        self.log.append("process")
        self.read_at.append(self.clock.t)
        return ProcessSample(
            pid=4242,
            status="stopped" if self.stopped else "running",
            cpu_percent=self.cpu_percent,
            stalled=self.stopped,
            cpu_limit_cores=self.cpu_limit_cores,
            cfs_periods=self.cfs_periods,
            throttled_periods=self.throttled_periods,
            throttled_s=self.throttled_periods * 0.08,
        )


class FakeAdmin:
    """An admin API that answers at once, or lets its caller wait out the timeout (the clock moves on)."""

    def __init__(self, clock: Clock, log: list[str]) -> None:
        self.clock, self.log = clock, log
        self.answering = True

    def read_status(self) -> AdminStatus:
        self.log.append("admin status")
        if self.answering:
            return AdminStatus(version="1.7.0", sessions=9, took_s=0.01)
        self.clock.t += TIMEOUT_S
        return AdminStatus(error="GET http://127.0.0.1:9/status: no answer within 2 s", took_s=TIMEOUT_S, stalled=True)

    def read_counts(self) -> AdminCounts:
        self.log.append("admin counts")
        return AdminCounts(connections_by_state={"active": 9}, granted_mediations=9, keylist_routes=9, took_s=0.01)


def runner(cpu_limit_cores: float | None = None, *, admin: bool = True):
    clock, log = Clock(), []
    process, api = FakeProcess(clock, log), FakeAdmin(clock, log)
    process.cpu_limit_cores = cpu_limit_cores
    target = ProbeTarget(pid=4242, admin_url="http://127.0.0.1:9")
    probe = ProbeRunner(
        target,
        lambda sample: None,
        readers=Readers(process=process, admin=api if admin else None),
        clock=clock,
        wall_clock=clock,
    )
    return probe, clock, process, api, log


def test_an_unanswering_admin_api_while_the_process_burns_a_core_is_saturated():
    probe, _clock, process, api, _ = runner()
    process.cpu_percent, api.answering = 97.0, False
    sample = probe.tick()
    assert sample.state == "saturated" and sample.saturated and not sample.stalled
    assert sample.stalled_by == ("admin status",)


def test_an_unanswering_admin_api_while_the_process_idles_is_stalled():
    probe, _clock, process, api, _ = runner()
    process.cpu_percent, api.answering = 0.5, False
    sample = probe.tick()
    assert sample.state == "stalled" and sample.stalled and sample.stalled_by == ("admin status",)


def test_a_stopped_process_is_stalled_whatever_its_last_cpu_reading():
    probe, _clock, process, api, _ = runner()
    process.cpu_percent, process.stopped, api.answering = 95.0, True, False
    sample = probe.tick()
    assert sample.state == "stalled" and set(sample.stalled_by) == {"process", "admin status"}


def test_a_cpu_limit_below_a_core_makes_most_of_the_limit_busy():
    assert busy_percent(None) == busy_percent(2.0) == pytest.approx(50.0)
    probe, clock, process, api, _ = runner(cpu_limit_cores=0.05)
    process.cpu_percent, api.answering = 4.5, False  # 90 % of a 0.05-core limit
    assert probe.tick().state == "saturated"
    clock.t += 20.0  # the backed-off admin API is due again
    process.cpu_percent = 0.5  # 10 % of that limit
    assert probe.tick().state == "stalled"


def test_a_mediator_its_limit_holds_back_is_saturated_though_the_host_leaves_it_less_than_its_quota():
    probe, clock, process, api, _ = runner(cpu_limit_cores=0.2)
    process.cpu_percent, process.cfs_periods = 5.0, 100
    probe.tick()
    clock.t += 1.0
    api.answering = False
    # A quarter of the limit used over the tick, but it used up its quota in 4 of the 10 periods it ran in.
    process.cfs_periods, process.throttled_periods = 110, 4
    assert probe.tick().state == "saturated"
    clock.t += 20.0
    process.cfs_periods, process.throttled_periods = 120, 4  # no longer held back: idle, not busy
    assert probe.tick().state == "stalled"


def test_while_every_source_answers_there_is_no_state_whatever_the_cpu():
    probe, _clock, process, _api, _ = runner()
    process.cpu_percent = 99.0
    sample = probe.tick()
    assert sample.state == "" and not sample.stalled_by


def test_without_a_process_reading_an_unanswering_mediator_is_called_stalled():
    clock, log = Clock(), []
    api = FakeAdmin(clock, log)
    api.answering = False
    probe = ProbeRunner(
        ProbeTarget(admin_url="http://127.0.0.1:9"),
        lambda sample: None,
        readers=Readers(admin=api),
        clock=clock,
        wall_clock=clock,
    )
    assert probe.tick().state == "stalled"


def test_the_process_is_read_first_so_a_slow_admin_call_neither_delays_nor_stretches_its_reading():
    probe, clock, process, api, log = runner()
    api.answering = False
    for _ in range(3):
        started = clock.t
        probe.tick()
        assert process.read_at[-1] == started  # read at the tick's start, before the 2 s admin wait
        clock.t += 1.0
    assert log[0] == "process" and log.index("process") < log.index("admin status")
    # Between two backed-off admin attempts the state stays judged, each tick on that tick's CPU.
    process.cpu_percent = 90.0
    sample = probe.tick()
    assert sample.admin_status is None and sample.stalled_by == ("admin status",) and sample.state == "saturated"


def test_the_store_counts_saturated_and_stalled_seconds_apart():
    probe, clock, process, api, _ = runner()
    series = MediatorSeries(3600)
    api.answering = False
    for cpu in (95.0, 96.0, 97.0, 0.0, 0.0):
        process.cpu_percent = cpu
        series.add(probe.tick(), agents_running=9)
        clock.t += 1.0
    mediator = series.snapshot(9)
    assert mediator.state == "stalled" and mediator.stalled
    assert [p.state for p in mediator.history] == ["saturated"] * 3 + ["stalled"] * 2
    # Each reading counts the time since the one before it (the first, nothing): the ticks are 1 s apart,
    # and 3 s after one that waited out the admin API's timeout.
    gaps = [b.t - a.t for a, b in pairwise(mediator.history)]
    assert mediator.saturated_s == pytest.approx(sum(gaps[:2]))
    assert mediator.stalled_s == pytest.approx(sum(gaps[2:]))


def test_the_capacity_verdict_names_a_saturated_mediator():
    figures = replace(step(40), mediator_cpu_percent=98.0, mediator_saturated_s=12.0, mediator_stalled_s=0.0)
    said = mediator_state(figures)
    assert "CPU 98 % of a core" in said and "SATURATED (not answering while its process was busy) 12 s" in said
    assert "STALLED" not in said
