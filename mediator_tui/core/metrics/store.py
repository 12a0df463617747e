"""The metric store: the only place figures of a run are computed.

A thread-safe facade over one module per concern: the poller feeds it what the
master serves (`feed`: Locust's `/stats/requests`, the agent-metrics route and the
request-histograms route, each read once, here, by `readers`) and this host's memory
(`feed_host_memory`); the run controller tells it when swarms start and stop; the
TUI and the exporter read `snapshot()`.

- `readers`: the payloads, read tolerantly into typed values;
- `series`: request rates, interval percentiles, per-second history;
- `crashes`: the crash log, each crash once;
- `ports`: the trend of local ports in use;
- `memory`: per-agent (`AgentMemoryFit`) and per-worker memory, host memory;
- `room`: how many more agents fit, and which worker limit binds first;
- `peaks`: peak users, peak agents and the memory then;
- `judged`: the figures of the running test that thresholds judge;
- `assembly`: the agent, port and resource parts of the snapshot;
- `mediator`: the mediator probe's readings (`feed_probe`) and the mediator's figures;
- `delivery`: the delivery ledgers' totals, latency percentiles and per-second points;
- `onboarding`: onboardings per second, their latency and the backlog waiting for admission;
- `hosts`: the workers by host, a missing one kept with its last report and why it likely went.

Locust caches `/stats/requests` for 2 s; a payload equal to the previous one is that
cache, so it adds no sample (a cache miss is computed at the moment of our request,
which makes fresh samples exact in time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from mediator_tui.common.steady_clock import steady_wall_clock
from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.contracts.version import VersionMismatch
from mediator_tui.core.metrics.agents_target import AgentsTarget
from mediator_tui.core.metrics.assembly import agents_snapshot, ports_snapshot, resource_point, workers_harness
from mediator_tui.core.metrics.crashes import CrashLog
from mediator_tui.core.metrics.delivery import DeliveryTrack
from mediator_tui.core.metrics.history import PerSecond
from mediator_tui.core.metrics.hosts import HostTrack
from mediator_tui.core.metrics.judged import WhileRunning, judged_figures
from mediator_tui.core.metrics.mediator import MediatorSeries
from mediator_tui.core.metrics.memory import AgentMemoryFit, HostMemory, memory_snapshot
from mediator_tui.core.metrics.onboarding import OnboardingTrack
from mediator_tui.core.metrics.peaks import Peaks
from mediator_tui.core.metrics.ports import PortsTrend
from mediator_tui.core.metrics.probe_samples import ProbeSample
from mediator_tui.core.metrics.readers import read_agents_view, read_histograms, read_master_stats
from mediator_tui.core.metrics.room import room
from mediator_tui.core.metrics.series import RequestSeries
from mediator_tui.core.metrics.snapshot import FailureRow, ResourcePoint, RunStatus, Snapshot, WorkerInfo
from mediator_tui.core.metrics.storm import StormOutcome

HISTORY_S = 3600
RUNNING_STATES = ("spawning", "running")
# After Locust says every user is spawned ("running"), the wallets of the last ones are still onboarding
# and the poller's and the probe's readings are a second apart: the session gap is judged from this long after.
SETTLE_S = 5.0


class MetricStore:
    def __init__(
        self,
        mode: str,
        master_url: str,
        *,
        rate_window_s: float = 3.0,
        history_s: int = HISTORY_S,
        clock: Callable[[], float] | None = None,
    ):
        self._lock = threading.Lock()
        # durations and per-second windows are differences of its readings: steady across clock steps
        self._clock = clock or steady_wall_clock()
        self._rate_window_s = rate_window_s
        self._history_len = history_s
        self._mode = mode
        self._master_url = master_url
        self._locustfiles: tuple[str, ...] = ()
        self._target = ""
        self._run_time_s: float | None = None
        self._target_users: int | None = None
        self._spawn_rate: float | None = None
        self._host: HostMemory | None = None
        self._mediator = MediatorSeries(history_s)
        self._storm: StormOutcome | None = None  # made once per run controller, so kept across a new swarm
        self._hosts = HostTrack()  # the workers outlive a run
        self._clear_run()
        self._connected = False
        self._error = ""  # the master cannot be read
        self._error_lasting = False  # ... and asking again will not change that
        self._refusal = ""  # it can, but serves payloads of another release
        self._state = "idle"  # nothing started yet
        self._spawned_at: float | None = None  # when Locust last said every user is spawned ("running")
        self._users = 0
        self._workers: tuple[WorkerInfo, ...] = ()

    def _clear_run(self) -> None:
        self._series = RequestSeries(self._rate_window_s, self._history_len)
        self._last_stats: dict[str, Any] | None = None
        self._failures: tuple[FailureRow, ...] = ()
        self._resources: PerSecond[ResourcePoint] = PerSecond(self._history_len)
        self._crashes = CrashLog()
        self._view: AgentsView | None = None
        self._peaks = Peaks()
        self._agents_target = AgentsTarget()
        self._while_running = WhileRunning()
        self._agent_memory = AgentMemoryFit()
        self._stop_requested = False
        self._ports = PortsTrend()
        self._delivery = DeliveryTrack(self._history_len)
        self._onboarding = OnboardingTrack(self._rate_window_s, self._history_len)
        self._started_at: float | None = None
        self._ended_at: float | None = None
        self._engine: str | None = None
        self._mediator.clear_history()

    def _begin_run(self, t: float) -> None:
        """A new swarm after a stop: Locust clears its stats, and so does the store."""
        self._clear_run()
        self._started_at = t

    # -- what the run controller tells the store --------------------------------------------

    def describe_run(
        self, *, locustfiles: tuple[str, ...] = (), target: str = "", run_time_s: float | None = None
    ) -> None:
        with self._lock:
            self._locustfiles = tuple(locustfiles)
            self._target = target
            self._run_time_s = run_time_s

    def swarm_requested(self, users: int, spawn_rate: float, run_time_s: float | None = None) -> None:
        with self._lock:
            self._target_users = users
            self._spawn_rate = spawn_rate
            if run_time_s is not None:
                self._run_time_s = run_time_s
            if self._started_at is None or self._ended_at is not None:
                self._begin_run(self._clock())

    def stop_requested(self) -> None:
        """The tool is about to stop the swarm: what comes next is the agents shutting down, while Locust
        may still say "running" for a moment, so the running test's figures are those read until now."""
        with self._lock:
            self._stop_requested = True
            self._mediator.stopping(self._clock())

    def swarm_stopped(self) -> None:
        with self._lock:
            if self._started_at is not None and self._ended_at is None:
                self._ended_at = self._clock()

    def reset(self) -> None:
        """Forget the run's figures (after `/stats/reset`); a run going on is timed from now."""
        with self._lock:
            if self._state in RUNNING_STATES:
                self._begin_run(self._clock())
            else:
                self._clear_run()

    # -- what the sources feed ----------------------------------------------------------------

    def feed_host_memory(self, host: HostMemory | None) -> None:
        """This host's memory (None: cannot be read here)."""
        with self._lock:
            self._host = host

    def feed_probe(self, sample: ProbeSample) -> None:
        """One reading of the mediator probe (called on the probe's thread)."""
        with self._lock:
            self._mediator.add(sample, self._agents_running(), self._gap_judged(self._clock()))

    def feed_storm(self, storm: StormOutcome) -> None:
        """The reconnect storm as its driver last saw it (called on the storm's thread)."""
        with self._lock:
            self._storm = storm

    def _gap_judged(self, now: float) -> bool:
        """Every user spawned, settled since, and no stop asked for: the session gap means something."""
        return (
            self._state == "running"
            and not self._stop_requested
            and self._spawned_at is not None
            and now - self._spawned_at >= SETTLE_S
        )

    def _agents_running(self) -> int | None:
        return self._view.total.agents.running if self._view is not None else None

    def feed_error(self, message: str, *, lasting: bool = False) -> None:
        """The master could not be read; `lasting`: reading it again will fail the same way (MasterError)."""
        with self._lock:
            # The last state the master told stays: a blip must not look like a new run later.
            self._connected = False
            self._error, self._error_lasting = message, lasting

    def feed(self, stats: object, agents: object = None, histograms: object = None, *, t: float | None = None) -> None:
        """One poll: the bodies of `/stats/requests`, the agent-metrics route and the request-histograms
        route as served (None: no such route).

        Fields that cannot be read count as unknown; the rest of the payload is used. A route of
        another release is refused: its figures show as unknown and the status says why."""
        if not isinstance(stats, dict):
            self.feed_error(f"the master sent {type(stats).__name__} instead of a JSON object for /stats/requests")
            return
        master = read_master_stats(stats)
        refusals = []
        try:
            view = read_agents_view(agents)
        except VersionMismatch as error:
            view, refusals = None, [str(error)]
        try:
            request_histograms = read_histograms(histograms)
        except VersionMismatch as error:
            request_histograms = None
            refusals.append(str(error))
        if view is not None:
            refusals.extend(view.refused)
        t = self._clock() if t is None else t
        with self._lock:
            self._connected, self._error, self._refusal = True, "", "; ".join(dict.fromkeys(refusals))
            self._error_lasting = False
            self._hosts.add(t, master.workers, view)
            self._read_status(master.state, master.users, self._hosts.workers(master.workers), t)
            if request_histograms is None and stats == self._last_stats:
                self._series.repeat(t)
            else:
                self._last_stats = stats
                self._series.add(master, request_histograms, t)
            self._failures = master.failures
            self._view = view
            if view is not None:
                self._crashes.add(view)
                self._engine = view.total.engine or self._engine
                if view.total.ports is not None:
                    self._ports.add(t, view.total.ports.in_use)
            self._peaks.add(self._users, view)
            self._agents_target.add(self._users, view)
            if self._state in RUNNING_STATES and not self._stop_requested:
                self._while_running.add(view, self._workers)
                if view is not None:
                    self._agent_memory.add(view)
            self._delivery.add(t, view)
            self._onboarding.add(t, view)
            self._resources.add(resource_point(t, self._users, view))

    def _read_status(self, state: str, users: int, workers: tuple[WorkerInfo, ...], t: float) -> None:
        running, was_running = state in RUNNING_STATES, self._state in RUNNING_STATES
        if running and not was_running and (self._started_at is None or self._ended_at is not None):
            self._begin_run(t)  # a run we did not start, or one restarted
        if was_running and not running and self._started_at is not None and self._ended_at is None:
            self._ended_at = t
        if was_running and not running:
            self._mediator.stopping(t)
        if state == "running" and self._state != "running":
            self._spawned_at = t
        self._state = state
        self._users = users
        self._workers = workers

    # -- what readers get ---------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = self._clock()
            target = self._target_users or self._users
            total = self._series.total()
            per_agent = self._agent_memory.per_agent()
            available = self._host.available_bytes if self._host else None
            return Snapshot(
                taken_at=now,
                status=self._status(now),
                total=total,
                requests=self._series.rows(),
                failures=self._failures,
                history=self._series.history(),
                resources=self._resources.points(),
                resources_step_s=self._resources.step_s,
                agents=agents_snapshot(self._view, self._crashes, self._peaks, self._agents_target, target),
                ports=ports_snapshot(self._view, self._ports),
                memory=memory_snapshot(
                    self._view,
                    self._host,
                    self._peaks.memory,
                    self._agent_memory,
                    room(self._view, available, per_agent.value),
                ),
                mediator=self._mediator.snapshot(self._agents_running()),
                judged=judged_figures(self._while_running, per_agent, total),
                workers_harness=workers_harness(self._view),
                delivery=self._delivery.snapshot(),
                onboarding=self._onboarding.snapshot(self._series.rows()),
                storm=self._storm,
                hosts=self._hosts.hosts(),
                reports=self._peaks.reports,
            )

    def _status(self, now: float) -> RunStatus:
        elapsed = 0.0
        if self._started_at is not None:
            elapsed = max(0.0, (self._ended_at or now) - self._started_at)
        return RunStatus(
            mode=self._mode,
            master_url=self._master_url,
            state=self._state if not self._error else "unreachable",
            users=self._users,
            target_users=self._target_users,
            spawn_rate=self._spawn_rate,
            workers=self._workers,
            connected=self._connected,
            error=self._error or self._refusal,
            error_lasting=self._error_lasting,
            started_at=self._started_at,
            elapsed_s=elapsed,
            run_time_s=self._run_time_s,
            engine=self._engine,
            locustfiles=self._locustfiles,
            target=self._target,
            peak_users=max(self._peaks.users, self._users),
        )
