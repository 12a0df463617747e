"""Workers grouped by the host they run on, fed each poll (`HostTrack`), for the snapshot's `hosts`.

Locust's master marks a worker missing when its heartbeats stop (`HEARTBEAT_LIVENESS`, sized in
`mediator_tui/locust_support/heartbeats.py`) and forgets it about a minute later (`HEARTBEAT_DEAD_INTERNAL` in
https://github.com/locustio/locust/blob/master/locust/runners.py). The store keeps a missing worker, with its
last report and the moment it went missing, until it reports again or a new worker joins its host (a restarted
worker has a new id): the run's record must not lose it when Locust does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mediator_tui.contracts.agents_view import AgentsView, WorkerView
from mediator_tui.core.metrics.host_view import HostView, HostWorker, why_missing
from mediator_tui.core.metrics.snapshot import WorkerInfo

# Locust names a worker `<host name>_<32 hex digits>` (WorkerRunner.client_id in locust/runners.py): the host of a
# worker that has not reported yet.
_LOCUST_WORKER_ID = re.compile(r"(?P<host>.+)_[0-9a-f]{32}")


def host_of(worker_id: str, reported: str) -> str:
    """The host a worker reports, else the one its Locust id names, else the id itself (a host of its own)."""
    if reported:
        return reported
    named = _LOCUST_WORKER_ID.fullmatch(worker_id)
    return named["host"] if named else worker_id


@dataclass
class _Tracked:
    host: str
    worker: HostWorker
    local_ports: int = 0  # its host's ephemeral port range, as it reported it
    report_ts: float | None = None  # the worker's clock at its latest report
    cpu_seconds: float | None = None  # its CPU counter then
    report_cpu: float | None = None  # its CPU between its last two reports, % of one core


def _cpu_percent(before: _Tracked, ts: float, cpu_seconds: float | None) -> float | None:
    """% of one core the worker used between its report before and this one; None: not known."""
    if cpu_seconds is None or before.cpu_seconds is None or before.report_ts is None or ts <= before.report_ts:
        return None
    return 100.0 * max(0.0, cpu_seconds - before.cpu_seconds) / (ts - before.report_ts)


class HostTrack:
    """Every worker of the run by host; kept across stats resets and new swarms (its processes are)."""

    def __init__(self) -> None:
        self._tracked: dict[str, _Tracked] = {}
        self._replaced: dict[str, list[HostWorker]] = {}
        self._distributed = False  # Locust listed workers once: a plain `locust -f` never does

    def add(self, t: float, workers: tuple[WorkerInfo, ...], view: AgentsView | None) -> None:
        """One poll at `t`: Locust's list of workers and the agent-metrics view (None: not served)."""
        reports = {w.report.worker_id: w for w in view.workers} if view is not None else {}
        self._distributed = self._distributed or bool(workers)
        listed = {w.worker_id: w for w in workers if w.worker_id not in self._replaced_ids()}
        present = listed if self._distributed else {i: WorkerInfo(i, "running", 0) for i in reports}
        for worker_id in [i for i, seen in self._tracked.items() if i not in present and not seen.worker.missing]:
            del self._tracked[worker_id]  # it quit: a worker that left is not missing
        joined = [i for i in present if i not in self._tracked]
        for worker_id, info in present.items():
            self._update(worker_id, info, reports.get(worker_id), t)
        for worker_id in joined:
            self._replace_one_missing(worker_id)
        for worker_id, info in present.items():
            tracked = self._tracked.get(worker_id)  # None: a newcomer replaced it just now
            if info.missing and tracked is not None and not tracked.worker.missing:
                self._went_missing(tracked, t)

    def _update(self, worker_id: str, info: WorkerInfo, view: WorkerView | None, t: float) -> None:
        tracked = self._tracked.get(worker_id)
        if tracked is None:
            reported = view.report.host if view is not None else ""
            tracked = self._tracked[worker_id] = _Tracked(host_of(worker_id, reported), HostWorker(worker_id, ""))
        worker = replace(tracked.worker, state=info.state, users=info.users)
        if not info.missing:
            worker = replace(worker, missing_since=None, why_missing="")
        if view is not None and view.report.ts != tracked.report_ts:
            report, limits = view.report, view.report.limits
            if report.host:
                tracked.host = report.host
            cpu = _cpu_percent(tracked, report.ts, report.cpu_seconds)
            tracked.report_cpu = tracked.report_cpu if cpu is None else cpu
            tracked.report_ts, tracked.cpu_seconds = report.ts, report.cpu_seconds
            tracked.local_ports = limits.local_ports
            worker = replace(
                worker,
                agents=report.agents.running,
                open_files=limits.open_files,
                open_files_limit=limits.nofile,
                local_ports_used=report.agents.running * limits.ports_per_agent,
                last_report_at=t - view.age_s,
                report_bytes=view.report_bytes,
            )
        # Locust's heartbeat figure until two reports give the CPU of a window of ours.
        tracked.worker = replace(
            worker, cpu_percent=tracked.report_cpu if tracked.report_cpu is not None else info.cpu_percent
        )

    def _went_missing(self, tracked: _Tracked, t: float) -> None:
        ports_used = sum(o.worker.local_ports_used for o in self._tracked.values() if o.host == tracked.host)
        why = why_missing(tracked.worker, ports_used, tracked.local_ports)
        tracked.worker = replace(tracked.worker, state="missing", missing_since=t, why_missing=why)

    def _replace_one_missing(self, newcomer: str) -> None:
        """A worker that joined a host takes the place of the one that went missing there first."""
        host = self._tracked[newcomer].host
        gone = sorted(
            (o.worker.missing_since, i)
            for i, o in self._tracked.items()
            if o.host == host and o.worker.missing_since is not None
        )
        if gone:
            self._replaced.setdefault(host, []).append(self._tracked.pop(gone[0][1]).worker)

    def _replaced_ids(self) -> set[str]:
        return {w.worker_id for workers in self._replaced.values() for w in workers}

    def workers(self, listed: tuple[WorkerInfo, ...]) -> tuple[WorkerInfo, ...]:
        """Locust's list of workers with the missing ones it has forgotten, without those a newcomer replaced."""
        replaced = self._replaced_ids()
        known = {w.worker_id for w in listed}
        forgotten = (
            WorkerInfo(i, "missing", 0, tracked.worker.cpu_percent, missing=True)
            for i, tracked in sorted(self._tracked.items())
            if tracked.worker.missing and i not in known
        )
        return (*(w for w in listed if w.worker_id not in replaced), *forgotten)

    def hosts(self) -> tuple[HostView, ...]:
        by_host: dict[str, list[_Tracked]] = {}
        for tracked in self._tracked.values():
            by_host.setdefault(tracked.host, []).append(tracked)
        return tuple(
            HostView(
                host=name,
                workers=tuple(sorted((t.worker for t in by_host.get(name, [])), key=lambda w: w.worker_id)),
                local_ports=max((t.local_ports for t in by_host.get(name, [])), default=0),
                replaced=tuple(self._replaced.get(name, ())),
            )
            for name in sorted(set(by_host) | set(self._replaced))
        )
