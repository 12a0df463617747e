"""The reconnect storm's driver and figures, on a fixed clock: wallets come back along a known curve."""

import csv
import io
import json
from types import SimpleNamespace

import pytest

from mediator_tui.core.export import write_export
from mediator_tui.core.metrics.snapshot import FailureRow
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.metrics.storm import StormOutcome, StormPoint
from mediator_tui.core.run import storm as storm_module
from mediator_tui.core.run.storm import SAMPLE_EVERY_S, StormDriver
from tests.support.master_payloads import Clock, stats_with


def snapshot_for_export():
    store = MetricStore("local", "", clock=Clock())
    store.feed(stats_with(10), t=1001.2)
    return store.snapshot()


class FakeRun:
    """200 wallets; the mediator takes 4 s to come back; then 40 wallets return per half second, and the
    mediator burns 0.6 CPU s per half second; pings fail meanwhile."""

    def __init__(self, back_per_sample: int = 40, crashed: int = 0):
        self.now = 0.0
        self.cpu = 10.0
        self.reconnects = 7  # reconnects from before the storm do not count
        self.back_per_sample = back_per_sample
        self.crashed = crashed
        self.failures = (FailureRow("didcomm", "ping_mediator", "timeout", 3),)
        self.restarted = False

    def restart(self) -> None:
        self.now += 4.0
        self.restarted = True

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.cpu += 0.6
        self.reconnects += self.back_per_sample
        self.failures = (
            FailureRow("didcomm", "ping_mediator", "timeout", self.failures[0].occurrences + 2),
            FailureRow("didcomm", "ping_mediator", "TransportError: reset", 5),
        )

    def read(self):
        agents = SimpleNamespace(running=200, reconnects=self.reconnects, crashed=self.crashed if self.restarted else 0)
        return SimpleNamespace(agents=agents, failures=self.failures)

    def driver(self, **kw) -> StormDriver:
        return StormDriver(
            self.restart,
            lambda: 4242,
            self.read,
            clock=lambda: self.now,
            sleep=self.sleep,
            cpu_seconds=lambda pid: self.cpu if pid == 4242 else None,
            **kw,
        )


def test_the_storm_says_when_half_most_and_all_wallets_were_back_and_what_failed_meanwhile():
    run = FakeRun()
    outcome = run.driver().run()
    assert outcome.wallets == 200 and outcome.outage_s == 4.0
    # 100 back after 3 samples (120), 190 after 5 (200), 200 after 5
    assert outcome.back_after_s == {50: 3 * SAMPLE_EVERY_S, 95: 5 * SAMPLE_EVERY_S, 100: 5 * SAMPLE_EVERY_S}
    assert outcome.cpu_percent_mean == pytest.approx(120.0)  # 0.6 CPU s each half second
    failures = {(f.error, f.occurrences) for f in outcome.failures}
    assert failures == {("timeout", 10), ("TransportError: reset", 5)}


def test_the_run_snapshot_follows_the_storm_from_the_restart_to_its_end():
    run = FakeRun()
    store = MetricStore("local", "", clock=Clock())
    assert store.snapshot().storm is None
    seen = []

    def report(storm: StormOutcome) -> None:
        store.feed_storm(storm)
        seen.append(store.snapshot().storm)

    outcome = run.driver(report=report).run()
    assert seen[0].under_way and seen[0].wallets == 200 and seen[0].back == 0  # the mediator is down
    coming_back = seen[1:-1]
    assert coming_back and all(s.under_way for s in coming_back)
    assert [s.back for s in coming_back] == sorted(s.back for s in coming_back) and coming_back[-1].back < 200
    assert seen[-1] == outcome and not outcome.under_way and store.snapshot().storm.back == 200


def test_a_storm_some_wallets_never_come_back_from_ends_at_its_timeout_and_says_none_reached_all():
    run = FakeRun(back_per_sample=0, crashed=3)
    outcome = run.driver(settle_timeout_s=3.0).run()
    assert outcome.back_after_s[50] is None and outcome.back_after_s[100] is None
    assert outcome.points[-1].since_return_s > 3.0 and outcome.crashed == 3


def test_a_mediator_that_does_not_come_back_is_the_storms_error():
    def fail():
        raise RuntimeError("port 8020 taken")

    run = FakeRun()
    outcome = StormDriver(fail, lambda: None, run.read, clock=lambda: run.now, sleep=run.sleep).run()
    assert "did not come back: port 8020 taken" in outcome.error
    assert outcome.back_after_s[100] is None


def test_the_export_carries_the_storm_in_the_summary_and_its_curve_in_storm_csv(tmp_path):
    points = (StormPoint(-5.0, 0, None), StormPoint(1.0, 60, 150.0), StormPoint(2.0, 100, 90.0))
    storm = StormOutcome(100, 5.0, points, failures=(FailureRow("didcomm", "ping_mediator", "timeout", 4),))
    write_export(tmp_path, snapshot_for_export(), storm=storm)
    summary = json.loads((tmp_path / "summary.json").read_text())["storm"]
    assert summary["back_50pct_after_s"] == 1.0 and summary["back_100pct_after_s"] == 2.0
    assert summary["mediator_cpu_percent_max"] == 150.0 and summary["failures"][0]["occurrences"] == 4
    rows = list(csv.DictReader(io.StringIO((tmp_path / "storm.csv").read_text())))
    assert [r["percent_back"] for r in rows] == ["0.0", "60.0", "100.0"]


def test_an_export_without_a_storm_has_no_storm_file(tmp_path):
    write_export(tmp_path, snapshot_for_export())
    assert not (tmp_path / "storm.csv").exists()
    assert "storm" not in json.loads((tmp_path / "summary.json").read_text())


def test_the_storms_cpu_is_every_instances_of_the_mediator(monkeypatch):
    seconds = {11: 2.0, 22: 3.5}
    monkeypatch.setattr(storm_module, "process_cpu_seconds", lambda pid: seconds.get(pid))
    two = SimpleNamespace(pid=11, more=[SimpleNamespace(pgid=22)])
    assert storm_module.mediator_cpu_seconds(two) == 5.5  # type: ignore[arg-type]
    one = SimpleNamespace(pid=11, more=[])
    assert storm_module.mediator_cpu_seconds(one) == 2.0  # type: ignore[arg-type]
    gone = SimpleNamespace(pid=11, more=[SimpleNamespace(pgid=33)])  # an instance that cannot be read
    assert storm_module.mediator_cpu_seconds(gone) is None  # type: ignore[arg-type]
