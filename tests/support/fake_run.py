"""A stand-in for a run controller that serves the recorded run's snapshot (tests/recording/replay.py)."""

from pathlib import Path

from mediator_tui.core.export import write_export
from tests.recording.replay import running_run


class FakeRun:
    """Stands in for a controller: the snapshot is the recorded run's; the master may 'die' on a given poll."""

    mode = "local"

    def __init__(self, die_after_polls=None, snapshot=running_run):
        self._snapshot = snapshot
        self.polls = 0
        self.die_after_polls = die_after_polls
        self.calls = []

    @staticmethod
    def redact(text):
        return text

    def drain_logs(self):
        return []

    def start(self, **kwargs):
        self.calls.append("start")

    def refresh(self, timeout_s):
        self.polls += 1
        return True

    def snapshot(self):
        return self._snapshot()  # the recorded run: elapsed 35 s

    def failure(self):
        return "the Locust master exited" if self.die_after_polls and self.polls >= self.die_after_polls else ""

    def stop(self):
        self.calls.append("stop")

    def final_poll(self):
        self.calls.append("final_poll")

    def export_now(self, directory, thresholds, partial=False):
        self.calls.append(("export", partial))
        write_export(directory, self.snapshot(), [t.check(self.snapshot()) for t in thresholds], partial=partial)
        return Path(directory)

    def shutdown(self):
        self.calls.append("shutdown")
