"""The probe tells a saturated mediator from a stalled one on a real embedded ACA-Py 1.7.0.

Saturated is made, not hoped for: the running mediator is moved into a cgroup of a tenth of a core and its
admin API is kept busy making invitations, so its `/status` waits out the probe's timeout while the process
uses all it may. Stalled is SIGSTOP: the same unanswered `/status`, at no CPU. (A tenth: at a fifth with 24
requests queued, an idle 2-core host answered every `/status` within the probe's 2 s; the CPU of a tenth read
over one second is 10 of the kernel's 10 ms ticks, still fine enough to compare with half the limit.)"""

from __future__ import annotations

import os
import signal
import threading
import time

from mediator_tui.core.mediator import LocalMediator, MediatorError
from mediator_tui.core.mediator.cpu_limit import limit_process
from mediator_tui.core.sources.probe import ProbeRunner, ProbeSample, probe_target

LIMIT = 0.1  # cores
LOADERS = 64  # concurrent invitation requests: always more work queued than the limit lets it do
TICKS = 8


def probe(mediator: LocalMediator) -> ProbeRunner:
    """A probe that has read the mediator once, as a run's has before its load: it has a CPU reading to go on."""
    runner = ProbeRunner(probe_target({}, mediator), lambda sample: None)
    assert not runner.tick().stalled_by
    return runner


def unanswered_ticks(runner: ProbeRunner, count: int, timeout_s: float = 120.0) -> list[ProbeSample]:
    """`count` probe ticks, one a second, in which some source did not answer."""
    found: list[ProbeSample] = []
    deadline = time.monotonic() + timeout_s
    while len(found) < count:
        assert time.monotonic() < deadline, f"{len(found)} unanswered ticks in {timeout_s:g} s: {found}"
        started = time.monotonic()
        sample = runner.tick()
        if sample.stalled_by:
            found.append(sample)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    return found


def test_a_mediator_too_busy_to_answer_within_its_cpu_limit_is_saturated(tmp_path):
    with LocalMediator("acapy", run_dir=tmp_path) as mediator:
        # Limited once ready: its start-up at a twentieth of a core would take minutes.
        mediator.cgroup = limit_process(mediator.pid, LIMIT, f"acapy-saturated-{mediator.pid}")
        mediator.cpu_limit = LIMIT  # the probe reads the limit from its cgroup all the same
        runner = probe(mediator)
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    mediator.create_invitation()
                except MediatorError:
                    pass  # a timed-out request: its work is queued all the same

        loaders = [threading.Thread(target=load, daemon=True) for _ in range(LOADERS)]
        for loader in loaders:
            loader.start()
        try:
            ticks = unanswered_ticks(runner, TICKS)
        finally:
            stop.set()
            for loader in loaders:
                loader.join(60)
        assert {s.state for s in ticks} == {"saturated"}, [(s.state, s.process.cpu_percent) for s in ticks]
        # Its admin API did not answer in time (the cheap `/status` or the record counts' list walk); the
        # process itself never stopped.
        assert all(set(s.stalled_by) <= {"admin status", "admin counts"} for s in ticks), ticks


def test_a_stopped_mediator_is_stalled(acapy_mediator):
    runner = probe(acapy_mediator)
    os.kill(acapy_mediator.pid, signal.SIGSTOP)
    try:
        ticks = unanswered_ticks(runner, 3)
    finally:
        os.kill(acapy_mediator.pid, signal.SIGCONT)
    assert {s.state for s in ticks} == {"stalled"}
    assert all(s.process.status == "stopped" and "process" in s.stalled_by for s in ticks), ticks
    # A stopped process uses nothing: every reading after the first (which began before the stop) is 0.
    assert [s.process.cpu_percent for s in ticks[1:]] == [0.0] * (len(ticks) - 1), ticks
