"""What the TUI and the headless mode steer: one run, local or attached, read through its master.

Blocking calls (start, stop, rescale, reset_stats, export_now, shutdown) are
meant for a worker thread; they raise `RunError` (or `MasterError`) with a
message a user can act on. `snapshot()` and `drain_logs()` never block.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediator_tui.core.capacity.outcome import CapacityOutcome
from mediator_tui.core.export import write_export
from mediator_tui.core.export.run_facts import run_settings
from mediator_tui.core.metrics.probe_samples import ProbeSample, redacted
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.run.logs import LogLine, LogTail
from mediator_tui.core.sources.master_api import MasterClient
from mediator_tui.core.sources.poller import Poller
from mediator_tui.core.sources.probe import ProbeRunner, probe_target
from mediator_tui.core.thresholds import Threshold, check_all

if TYPE_CHECKING:
    from mediator_tui.core.mediator import LocalMediator

# Locust caches /stats/requests for 2 s; a poll this long after a stop sees the final counts.
STATS_CACHE_S = 2.0


class RunError(Exception):
    pass


@dataclass
class RunLoad:
    users: int
    spawn_rate: float
    run_time_s: float | None = None


class RunController:
    mode = "attached"

    def __init__(
        self,
        client: MasterClient,
        load: RunLoad,
        *,
        redact: Callable[[str], str] = lambda text: text,
        store: MetricStore | None = None,
        poll_every_s: float = 1.0,
        probe_settings: Mapping[str, Any] | None = None,
    ):
        self.client = client
        self.load = load
        self.redact = redact
        self.store = store or MetricStore(self.mode, client.base_url)
        self.logs = LogTail(redact)
        self.poller = Poller(client, self.store, every_s=poll_every_s)
        # Validated settings (`Config.values`) for the mediator probe; None: no probe (tests of the run alone).
        self._probe_settings = probe_settings
        self.probe: ProbeRunner | None = None
        self._lock = threading.RLock()
        self._shut = False
        # What starts workers for this master on another host, once the run knows it ("": none can join).
        self.join_command = ""

    # -- reading ---------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return self.store.snapshot()

    def drain_logs(self, limit: int = 2000) -> list[LogLine]:
        return self.logs.drain(limit)

    def failure(self) -> str:
        """Why the run cannot go on ("" while it can): a local master that died, for one."""
        return ""

    def refresh(self, timeout_s: float = 5.0) -> bool:
        """Wait until the poller has read the master again."""
        return self.poller.wait_for_poll(timeout_s)

    # -- steering --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Make the master readable (a local run starts its processes here)."""
        self.poller.start()
        self._start_probe()

    def _start_probe(self, embedded_mediator: LocalMediator | None = None) -> None:
        """Read the mediator's own side from this process, as the settings and the embedded mediator say."""
        if self._probe_settings is None or self.probe is not None:
            return
        target = probe_target(self._probe_settings, embedded_mediator)
        if not target.sources:
            self.logs.say(
                "mediator probe: nothing to read (set MEDIATOR_PID, MEDIATOR_ADMIN_URL or MEDIATOR_METRICS_URL)"
            )
            return
        self.probe = ProbeRunner(target, deliver=self._feed_probe).start()
        self.logs.say(f"mediator probe: reading {', '.join(target.sources)}")

    def _feed_probe(self, sample: ProbeSample) -> None:
        # Error texts name the URL of a setting; the snapshot reaches the dashboard unredacted.
        self.store.feed_probe(redacted(sample, self.redact))

    def start(
        self,
        users: int | None = None,
        spawn_rate: float | None = None,
        run_time_s: float | None = None,
        stop_by_master: bool = True,
    ) -> None:
        """Swarm; with `stop_by_master` Locust itself ends the run after the run time."""
        with self._lock:
            if self._shut:
                raise RunError("this run has ended; start a new one")
            self.prepare()
            if users is not None:
                self.load.users = users
            if spawn_rate is not None:
                self.load.spawn_rate = spawn_rate
            if run_time_s is not None:
                self.load.run_time_s = run_time_s
            self.client.swarm(self.load.users, self.load.spawn_rate, self.load.run_time_s if stop_by_master else None)
            self.store.swarm_requested(self.load.users, self.load.spawn_rate, self.load.run_time_s)
            self.logs.say(f"swarm: {self.load.users} users at {self.load.spawn_rate:g}/s")

    def rescale(self, users: int, spawn_rate: float) -> None:
        """Locust's /swarm on a running test changes the user count in place."""
        with self._lock:
            self.load.users, self.load.spawn_rate = users, spawn_rate
            self.client.swarm(users, spawn_rate)
            self.store.swarm_requested(users, spawn_rate)
            self.logs.say(f"re-scaled to {users} users at {spawn_rate:g}/s")

    def stop(self) -> None:
        with self._lock:
            self.store.stop_requested()
            self.client.stop()
            self.store.swarm_stopped()
            self.logs.say("stopped the swarm")

    def reset_stats(self) -> None:
        with self._lock:
            self.client.reset_stats()
            self.store.reset()

    def final_poll(self) -> None:
        """Let a stop's last worker reports and Locust's stats cache pass, then read once more."""
        time.sleep(STATS_CACHE_S + 0.3)
        self.poller.poll_once()

    def export_now(
        self,
        directory: str | Path | None = None,
        thresholds: Iterable[Threshold] = (),
        partial: bool = False,
        capacity: CapacityOutcome | None = None,
    ) -> Path:
        snapshot = self.snapshot()
        directory = Path(directory) if directory else default_export_dir()
        write_export(
            directory,
            snapshot,
            check_all(list(thresholds), snapshot),
            partial=partial,
            redact=self.redact,
            capacity=capacity,
            settings=self.run_settings(),
            logs=self.logs.files(),
            storm=snapshot.storm,
        )
        return directory

    def run_settings(self) -> dict[str, Any]:
        """The settings that shaped this run as the export keeps them (what a comparison of runs reads): the
        configured ones under what this run was given (users, run time, scenario files, the mediator)."""
        given: dict[str, object] = {
            "LOCUST_USERS": self.load.users,
            "LOCUST_SPAWN_RATE": self.load.spawn_rate,
            "LOCUST_RUN_TIME": self.load.run_time_s,
        }
        locustfiles = self.snapshot().status.locustfiles
        if locustfiles:
            given["LOCUST_FILES"] = [Path(name).name for name in locustfiles]
        return run_settings(self._probe_settings or {}, {**given, **self.mediator_facts()})

    def mediator_facts(self) -> dict[str, object]:
        """The mediator under test where this process knows it (an embedded one): none for an attached run."""
        return {}

    def shutdown(self) -> None:
        """Stop reading; an attached run keeps running on its master."""
        with self._lock:
            if self._shut:
                return
            self._shut = True
            if self.probe is not None:
                self.probe.stop()
            self.poller.stop()
            self.logs.stop()


def default_export_dir() -> Path:
    return Path("exports") / time.strftime("%Y%m%d-%H%M%S")
