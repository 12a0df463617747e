"""The session gap is judged once every user is spawned and settled, away from the stop: the wallets onboarding
on the ramp and closing at the stop show in the per-second points, but never make the run's widest gap."""

import csv
import io

from mediator_tui.core.export.mediator_table import mediator_csv
from mediator_tui.core.metrics.mediator import STOP_MARGIN_S
from mediator_tui.core.metrics.store import SETTLE_S, MetricStore
from mediator_tui.core.sources.probe import ProbeSample, ProcessSample
from mediator_tui.core.thresholds import check_all, parse_thresholds
from tests.recording.replay import RecordedClock, recorded_calls

# The recorded run's master payloads once all its wallets run: its workers say 9 agents are running.
RUNNING = [args for _, name, args, _ in recorded_calls() if name == "feed" and args[0].get("state") == "running"][-10]
AGENTS = 9


class Run:
    """A store on a fixed clock, fed one master poll and one probe reading a second."""

    def __init__(self) -> None:
        self.clock = RecordedClock()
        self.clock.t = 1_000.0
        self.store = MetricStore("local", "http://127.0.0.1:8089", clock=self.clock)
        self.store.swarm_requested(6, 1.0)
        self.seconds(1, "spawning", held=AGENTS)
        assert self.store.snapshot().mediator.agents_running == AGENTS

    def seconds(self, count: int, state: str, held: int) -> None:
        stats, agents, histograms = RUNNING
        for _ in range(count):
            self.clock.t += 1.0
            self.store.feed({**stats, "state": state}, agents, histograms)
            process = ProcessSample(pid=4242, status="sleeping", cpu_percent=10.0, established=held)
            self.store.feed_probe(ProbeSample(at=self.clock.t, took_s=0.01, process=process))


def test_the_ramp_the_settling_and_the_stop_are_not_judged_the_steady_load_is():
    run = Run()
    run.seconds(10, "spawning", held=AGENTS + 20)  # wallets onboarding: the mediator ahead of the workers
    run.seconds(int(SETTLE_S), "running", held=AGENTS + 20)  # every user spawned, not yet settled
    run.seconds(10, "running", held=AGENTS + 1)  # the steady load: the gap is the mediator's
    # Locust stops on its own at its run time: the wallets close while the store, a poll behind, reads "running".
    run.seconds(int(STOP_MARGIN_S) - 1, "running", held=0)
    run.seconds(3, "stopped", held=0)
    mediator = run.store.snapshot().mediator
    assert mediator.session_gap_max == 1
    assert mediator.session_gap_judged_s == 10.0
    rows = list(csv.DictReader(io.StringIO(mediator_csv(run.store.snapshot()))))
    judged = [int(r["session_gap"]) for r in rows if r["gap_judged"] == "1"]
    assert judged == [1] * 10 and {int(r["session_gap"]) for r in rows} == {0, 20, 1, -AGENTS}
    [result] = check_all(parse_thresholds(["session_gap>2"]), run.store.snapshot())
    assert result.ok and result.value == 1


def test_the_tools_own_stop_ends_the_judged_seconds_at_once():
    run = Run()
    run.seconds(1, "spawning", held=0)
    run.seconds(20, "running", held=AGENTS)
    run.store.stop_requested()
    run.seconds(3, "running", held=AGENTS - 6)  # Locust still says "running" while the agents shut down
    mediator = run.store.snapshot().mediator
    assert mediator.session_gap_max == 0
    assert mediator.session_gap_flag is None  # the live gap of a stop is not flagged either


def test_a_run_that_never_settled_has_no_judged_gap_and_says_why():
    run = Run()
    run.seconds(15, "spawning", held=AGENTS + 20)
    snapshot = run.store.snapshot()
    assert snapshot.mediator.session_gap == 20 and snapshot.mediator.session_gap_flag is None
    assert snapshot.mediator.session_gap_max is None
    [result] = check_all(parse_thresholds(["session_gap>2"]), snapshot)
    assert not result.ok and "judged once every user is spawned and settled" in result.unknown_because
