"""The headless driver's decisions: when to stop, what to export, which exit status."""

import dataclasses
import io
import json
from types import SimpleNamespace

import pytest

from mediator_tui.core import headless
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.run.controller import RunError
from mediator_tui.core.sources.master_api import MasterClient
from mediator_tui.core.sources.poller import Poller
from mediator_tui.core.thresholds import parse_thresholds
from tests.recording.replay import running_run
from tests.support.fake_run import FakeRun
from tests.support.http_stub import answering, serving


def run(tmp_path, fake, *thresholds, run_time_s=30.0):
    options = headless.HeadlessOptions(
        export_dir=tmp_path, thresholds=parse_thresholds(list(thresholds)), run_time_s=run_time_s
    )
    stream = io.StringIO()
    return headless.run(fake, options, stream), stream.getvalue()


def test_a_run_past_its_time_is_stopped_read_once_more_exported_and_judged(tmp_path):
    fake = FakeRun()
    code, out = run(tmp_path, fake, "crashes>0")
    assert code == headless.EXIT_THRESHOLD
    assert fake.calls == ["start", "stop", "final_poll", ("export", False), "shutdown"]
    assert "crashes>0" in out and "FAILED" in out


def test_all_thresholds_holding_exit_0(tmp_path):
    code, _ = run(tmp_path, FakeRun(), "fail_ratio>0.02", "p95(ping_mediator)>500")
    assert code == headless.EXIT_OK


def test_a_master_that_dies_gives_a_partial_export_and_exit_2(tmp_path):
    fake = FakeRun(die_after_polls=1)
    code, out = run(tmp_path, fake, run_time_s=None)
    assert code == headless.EXIT_SETUP
    assert ("export", True) in fake.calls and "stop" not in fake.calls and fake.calls[-1] == "shutdown"
    assert json.loads((tmp_path / "summary.json").read_text())["run"]["partial"] is True
    assert "master exited" in out


def nothing_worked():
    recorded = running_run()
    return dataclasses.replace(recorded, judged=dataclasses.replace(recorded.judged, nothing_worked="no agent started"))


def test_a_run_in_which_nothing_worked_exits_3_without_thresholds_and_says_why(tmp_path):
    code, out = run(tmp_path, FakeRun(snapshot=nothing_worked))
    assert code == headless.EXIT_THRESHOLD
    assert "nothing worked: no agent started" in out
    assert json.loads((tmp_path / "summary.json").read_text())["run"]["nothing_worked"] == "no agent started"


def test_with_thresholds_they_decide_even_when_nothing_worked(tmp_path):
    code, _ = run(tmp_path, FakeRun(snapshot=nothing_worked), "crashes>5")
    assert code == headless.EXIT_OK


def test_a_run_that_worked_has_no_reason_in_its_summary(tmp_path):
    code, _ = run(tmp_path, FakeRun())
    assert code == headless.EXIT_OK
    assert json.loads((tmp_path / "summary.json").read_text())["run"]["nothing_worked"] is None


def test_progress_line_shows_elapsed_users_rate_failures_and_p95():
    line = headless.progress_line(running_run())
    assert line.startswith("[   35s/45s] running")
    assert "users 6/6" in line and "req/s    13.7" in line and "failures 2 (0.62%)" in line
    assert "p95 68 ms" in line and "agents 9 (2 crashed)" in line


def test_the_progress_line_and_the_end_of_the_run_name_the_hosts_of_missing_workers_and_why(tmp_path):
    from tests.support.host_reports import one_host_lost_to_cpu

    lost = one_host_lost_to_cpu().store.snapshot()
    assert "workers missing: load-b: 1 missing (CPU near a core)" in headless.progress_line(lost)
    assert "workers missing" not in headless.progress_line(running_run())
    _, out = run(tmp_path, FakeRun(snapshot=lambda: lost), run_time_s=1.0)  # its run is 3 s old
    assert "\nworkers missing: load-b: 1 missing (CPU near a core)\n" in out


class AttachedRun:
    """What waiting for an attached master reads: a real client, poller and store; each refresh is one poll
    and one second on the clock the wait reads."""

    def __init__(self, url):
        self.client = MasterClient(url)
        self._store = MetricStore("attached", url)
        self._poller = Poller(self.client, self._store, host_memory=lambda: None)
        self.now = 0.0
        self.polls = 0

    def refresh(self, timeout_s):
        self.polls += 1
        self.now += 1.0
        return self._poller.poll_once()

    def snapshot(self):
        return self._store.snapshot()


@pytest.mark.parametrize(
    ("status", "words", "polls"),
    [
        (401, "wants credentials", 1),  # the same credentials get the same answer: no waiting
        (200, "did not answer JSON", 1),
        (503, "HTTP 503", headless.ATTACH_WAIT_S),  # a master still starting behind a proxy: wait for it
    ],
)
def test_waiting_for_an_attached_master_stops_at_once_only_for_an_answer_that_will_not_change(
    monkeypatch, status, words, polls
):
    with serving(answering(status, "<html>no</html>")) as url:
        run = AttachedRun(url)
        monkeypatch.setattr(headless, "time", SimpleNamespace(monotonic=lambda: run.now))
        with pytest.raises(RunError, match=words):
            headless.wait_for_master(run)
    assert run.polls == polls
