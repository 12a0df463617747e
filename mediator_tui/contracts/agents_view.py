"""What the master serves on its agent-metrics route (`GET /mediator-tui/agents`).

The latest report of each worker, as counted since the last stats reset
(`POST /stats/reset`), and their total. A plain `locust -f` (no workers) serves its own
process's report the same way. Reports that the master refused (a worker of another
release) are named in `refused`, so that the TUI can say so.

`report_bytes` (per worker, and the largest and the sum in the total) is what the master measured of each
worker's last report: the whole message as Locust sent it (`mediator_tui/locust_support/report_size.py`). A
master of an older release serves none, and a plain `locust -f` has no report crossing a wire: then it reads
None (unknown). Readers take the fields they know, so adding it did not change the version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mediator_tui.contracts.fields import as_count, as_dict, as_int, as_list, as_number, as_text
from mediator_tui.contracts.version import check_version
from mediator_tui.contracts.worker_report import (
    AgentCounts,
    AgentCrash,
    DeliveryReport,
    PortsUse,
    WorkerReport,
    crashes_from_json,
)

VERSION = 1
PATH = "/mediator-tui/agents"
STALE_AFTER_S = 10.0  # a worker silent for longer is shown as stale


@dataclass(frozen=True)
class WorkerView:
    report: WorkerReport  # since the last reset
    age_s: float  # since the master received it
    stale: bool
    report_bytes: int | None = None  # the whole message the report came in, as sent; None: not measured

    def to_json(self) -> dict[str, Any]:
        return {
            **self.report.fields_json(),
            "age_s": round(self.age_s, 3),
            "stale": self.stale,
            "report_bytes": self.report_bytes,
        }

    @classmethod
    def from_json(cls, worker_id: str, raw: object) -> WorkerView:
        raw = as_dict(raw)
        report = WorkerReport.from_fields({**raw, "worker_id": as_text(raw.get("worker_id")) or worker_id})
        return cls(
            report=report,
            age_s=as_number(raw.get("age_s")) or 0.0,
            stale=raw.get("stale") is True,
            report_bytes=as_int(raw.get("report_bytes")),
        )


@dataclass(frozen=True)
class MemoryTotal:
    """Sums over the workers; `pss_bytes` is None unless every worker knows its own."""

    worker_rss_bytes: int = 0
    unique_bytes: int = 0
    shared_bytes: int = 0
    agent_processes: int = 0
    pss_bytes: int | None = None
    agents: int = 0  # agents running, the figure the store divides unique_bytes by

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: object) -> MemoryTotal:
        raw = as_dict(raw)
        return cls(
            worker_rss_bytes=as_count(raw.get("worker_rss_bytes")),
            unique_bytes=as_count(raw.get("unique_bytes")),
            shared_bytes=as_count(raw.get("shared_bytes")),
            agent_processes=as_count(raw.get("agent_processes")),
            pss_bytes=as_int(raw.get("pss_bytes")),
            agents=as_count(raw.get("agents")),
        )


@dataclass(frozen=True)
class AgentsTotal:
    engine: str = ""  # the workers' engines, comma-separated
    agents: AgentCounts = AgentCounts()
    crashes: tuple[AgentCrash, ...] = ()  # of all workers, newest last, at most MAX_CRASHES, worker_id set
    ports: PortsUse | None = PortsUse()  # None: not served (not an object)
    memory: MemoryTotal = MemoryTotal()
    delivery: DeliveryReport = DeliveryReport()  # the workers' ledgers summed
    # The last reports of the workers still reporting (not stale), in bytes as sent: the largest, and their sum,
    # the bytes a second the master reads (each worker reports once a second). None: none measured.
    report_bytes_max: int | None = None
    report_bytes_sum: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "agents": self.agents.to_json(),
            "crashes": [c.to_json() for c in self.crashes],
            "ports": self.ports.to_json() if self.ports is not None else None,
            "memory": self.memory.to_json(),
            "delivery": self.delivery.to_json(),
            "report_bytes_max": self.report_bytes_max,
            "report_bytes_sum": self.report_bytes_sum,
        }

    @classmethod
    def from_json(cls, raw: object) -> AgentsTotal:
        raw = as_dict(raw)
        return cls(
            engine=as_text(raw.get("engine")),
            agents=AgentCounts.from_json(raw.get("agents")),
            crashes=crashes_from_json(raw.get("crashes")),
            ports=PortsUse.from_json(raw["ports"]) if isinstance(raw.get("ports"), dict) else None,
            memory=MemoryTotal.from_json(raw.get("memory")),
            delivery=DeliveryReport.from_json(raw.get("delivery")),
            report_bytes_max=as_int(raw.get("report_bytes_max")),
            report_bytes_sum=as_int(raw.get("report_bytes_sum")),
        )


@dataclass(frozen=True)
class AgentsView:
    ts: float  # the master's clock when it answered
    workers: tuple[WorkerView, ...] = ()  # sorted by worker id
    total: AgentsTotal = AgentsTotal()
    refused: tuple[str, ...] = ()  # why reports were refused, one line per worker
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "ts": self.ts,
            "workers": {w.report.worker_id: w.to_json() for w in self.workers},
            "total": self.total.to_json(),
            "refused": list(self.refused),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> AgentsView:
        """The route's body; `VersionMismatch` when the master is of another release."""
        check_version(raw, VERSION, "agent metrics", "the master serves", "this mediator-tui")
        workers = sorted(
            (WorkerView.from_json(str(worker_id), body) for worker_id, body in as_dict(raw.get("workers")).items()),
            key=lambda w: w.report.worker_id,
        )
        return cls(
            ts=as_number(raw.get("ts")) or 0.0,
            workers=tuple(workers),
            total=AgentsTotal.from_json(raw.get("total")),
            refused=tuple(item for item in as_list(raw.get("refused")) if isinstance(item, str)),
        )
