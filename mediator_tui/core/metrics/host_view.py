"""The snapshot's hosts: each host's workers, live and missing, and why a missing one likely went.

Why it likely went is read from its last report by the rules of `why_missing`, with their thresholds here in one
place: a worker starved of CPU or out of descriptors stops answering heartbeats long before it dies
(https://github.com/locustio/locust/issues/1158, https://github.com/locustio/locust/issues/3065).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

# A worker is one Python process whose event loop runs on one core at most: near 100 % of a core it misses
# heartbeats (Locust warns of a worker above 90 %, in runners.py).
CPU_NEAR_CORE_PERCENT = 90.0
FILES_NEAR_LIMIT = 0.95  # share of RLIMIT_NOFILE in use
PORTS_NEAR_RANGE = 0.95  # share of the host's ephemeral port range held by its workers' agents

Figure = TypeVar("Figure", int, float)


@dataclass(frozen=True)
class HostWorker:
    """One worker as its host line shows it, from its latest report (its last one, once missing)."""

    worker_id: str
    state: str  # Locust's word for it ("running", "missing", ...); "missing" too once Locust forgot it
    users: int = 0
    agents: int = 0
    cpu_percent: float | None = None  # of one core: between its last two reports, else Locust's heartbeat figure
    open_files: int = 0
    open_files_limit: int = 0  # RLIMIT_NOFILE; 0: not reported
    local_ports_used: int = 0  # its agents' connections, one local port each
    last_report_at: float | None = None  # when the master received it (the tool's clock); None: no report yet
    report_bytes: int | None = None  # the message it came in, as sent; None: not measured (AgentsView)
    missing_since: float | None = None  # when the store first saw it missing
    why_missing: str = ""  # `why_missing` of its last report, set when it went missing

    @property
    def missing(self) -> bool:
        return self.missing_since is not None


@dataclass(frozen=True)
class HostView:
    """The workers of one host: the live ones' figures summed, the missing ones with why they likely went."""

    host: str
    workers: tuple[HostWorker, ...]  # live and missing, by id
    local_ports: int = 0  # the host's ephemeral port range; 0: not reported
    replaced: tuple[HostWorker, ...] = ()  # went missing, then a new worker took its place on the host

    @property
    def live(self) -> tuple[HostWorker, ...]:
        return tuple(w for w in self.workers if not w.missing)

    @property
    def missing(self) -> tuple[HostWorker, ...]:
        return tuple(w for w in self.workers if w.missing)

    @property
    def agents(self) -> int:
        return sum(w.agents for w in self.live)

    @property
    def cpu_percent(self) -> float | None:
        """The live workers' CPU summed (100 per core busy); None when none of them says."""
        return _sum_of_known(w.cpu_percent for w in self.live)

    @property
    def open_files(self) -> int:
        return sum(w.open_files for w in self.live)

    @property
    def open_files_limit(self) -> int:
        """The live workers' limits summed: each process has its own."""
        return sum(w.open_files_limit for w in self.live)

    @property
    def local_ports_used(self) -> int:
        return sum(w.local_ports_used for w in self.live)

    @property
    def report_bytes(self) -> int | None:
        """The live workers' last reports summed: the bytes a second they send the master (one report a second
        each); None when none of them was measured."""
        return _sum_of_known(w.report_bytes for w in self.live)

    @property
    def why_missing(self) -> str:
        """Why its missing workers likely went, each reason once; "" when none is missing."""
        return "; ".join(dict.fromkeys(w.why_missing for w in self.missing))


def _sum_of_known(values: Iterable[Figure | None]) -> Figure | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def why_missing(worker: HostWorker, host_ports_used: int, local_ports: int) -> str:
    """The limits its last report shows it at, or when it last reported; `host_ports_used` counts every
    worker of its host (they share the range)."""
    reasons = []
    if worker.cpu_percent is not None and worker.cpu_percent >= CPU_NEAR_CORE_PERCENT:
        reasons.append("CPU near a core")
    if worker.open_files_limit and worker.open_files >= FILES_NEAR_LIMIT * worker.open_files_limit:
        reasons.append("out of descriptors")
    if local_ports and host_ports_used >= PORTS_NEAR_RANGE * local_ports:
        reasons.append("out of ports")
    if reasons:
        return ", ".join(reasons)
    if worker.last_report_at is None:
        return "no report received"
    return "no report since " + time.strftime("%H:%M:%S", time.localtime(worker.last_report_at))
