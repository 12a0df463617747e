"""What a worker reports about its agents, about once a second.

A worker adds `WorkerReport.to_json()` to Locust's own worker report (under the key
`mediator_tui`); the master reads it back with `WorkerReport.from_json()` and serves
the aggregate of the latest report of each worker (`mediator_tui.contracts.agents_view`).

Counters are absolute since the worker started (`running` is a gauge); the master
turns them into "since the last stats reset". Memory follows the engine:

- native: agents live inside the worker. `unique_bytes` is the worker's unique memory
  (USS, RSS where USS cannot be read) above what it used before any agent started;
  `shared_bytes` is 0 and `agent_processes` 0.
- credo: each agent is a Node process. `unique_bytes` is the sum of their `RssAnon`
  (or USS), `shared_bytes` the largest `RssFile + RssShmem` among them (the node binary
  and libraries are one copy for all: summing would count it N times), `pss_bytes`
  their PSS when every one could be read. The master's total counts shared memory once
  per `host` (workers on one host share those pages too).

Bytes per agent are not reported: the metric store divides, in one place.

`delivery` is the worker's delivery ledger (`mediator_tui.locust_support.delivery_ledger`):
its counters and its cumulative latency histogram. A reader of an older release ignores
it (readers take the fields they know), and a report without it reads as zeros, so adding
it did not change the version.
"""

from __future__ import annotations

from dataclasses import Field, asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Self

from mediator_tui.contracts.fields import as_count, as_dict, as_int, as_number, as_text, as_timestamp, dicts
from mediator_tui.contracts.request_histograms import buckets_from_json
from mediator_tui.contracts.version import check_version

VERSION = 1
MAX_CRASHES = 20  # crashes a report (and the master's total) carries, newest last
STDERR_TAIL_CHARS = 2000


class _Counts:
    """A dataclass of counts only: read, summed and written field by field."""

    if TYPE_CHECKING:  # what the subclasses' @dataclass adds, so that asdict() and fields() take them
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: object) -> Self:
        raw = as_dict(raw)
        return cls(**{f.name: as_count(raw.get(f.name)) for f in fields(cls)})

    def __add__(self, other: Self) -> Self:
        return type(self)(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class AgentCounts(_Counts):
    """Agents of one worker (or of all, in the master's total)."""

    running: int = 0  # a gauge: agents up now
    started: int = 0
    crashed: int = 0
    restarted: int = 0  # starts that replaced a crashed agent
    start_failures: int = 0
    reconnects: int = 0  # transport reconnects, of live and gone agents
    # A gauge: the agents this worker's users hold slots for (each user's `agents_per_user`), up or not; a
    # worker that does not send it reads as 0.
    slots: int = 0
    # Gauges of the worker's onboarding gate (mediator_tui/locust_support/onboarding_gate.py): agents waiting
    # for admission, onboardings in flight, and the cap on them (0: no cap). A worker that does not send
    # them reads as 0, so adding them kept the version.
    onboarding_waiting: int = 0
    onboarding_in_flight: int = 0
    onboarding_cap: int = 0

    # Counters that only grow, so that a stats reset subtracts a baseline from them.
    MONOTONIC = ("started", "crashed", "restarted", "start_failures", "reconnects")


@dataclass(frozen=True)
class AgentCrash:
    """An agent that died without being asked to; `worker_id` is set in the master's total."""

    ts: float
    user: str
    reason: str
    stderr_tail: str = ""  # at most STDERR_TAIL_CHARS, the end of what the agent wrote
    worker_id: str = ""

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        if not self.worker_id:
            del body["worker_id"]
        return body

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> AgentCrash:
        return cls(
            ts=as_timestamp(raw.get("ts")) or 0.0,
            user=as_text(raw.get("user")),
            reason=as_text(raw.get("reason")),
            stderr_tail=as_text(raw.get("stderr_tail")),
            worker_id=as_text(raw.get("worker_id")),
        )


def crashes_from_json(raw: object) -> tuple[AgentCrash, ...]:
    return tuple(AgentCrash.from_json(crash) for crash in dicts(raw))


@dataclass(frozen=True)
class PortsUse(_Counts):
    """The worker's pool of local ports for native agents' sockets."""

    size: int = 0
    in_use: int = 0
    in_use_max: int = 0  # highest `in_use` (since the last reset, on the master)
    refused: int = 0  # ports asked for while the pool was empty


@dataclass(frozen=True)
class WorkerMemoryUse:
    """Memory of one worker and its agents (see the module's text for what each engine counts)."""

    worker_rss_bytes: int = 0
    worker_uss_bytes: int | None = None  # None: USS cannot be read here
    agent_processes: int = 0
    unique_bytes: int = 0
    shared_bytes: int = 0
    pss_bytes: int | None = None  # None: PSS cannot be read (of the worker, or of one agent)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: object) -> WorkerMemoryUse:
        raw = as_dict(raw)
        return cls(
            worker_rss_bytes=as_count(raw.get("worker_rss_bytes")),
            worker_uss_bytes=as_int(raw.get("worker_uss_bytes")),
            agent_processes=as_count(raw.get("agent_processes")),
            unique_bytes=as_count(raw.get("unique_bytes")),
            shared_bytes=as_count(raw.get("shared_bytes")),
            pss_bytes=as_int(raw.get("pss_bytes")),
        )


@dataclass(frozen=True)
class WorkerLimits(_Counts):
    """The worker's own limits on more agents, from which the master's store projects the room left.

    Fields after `max_agents` came later: a worker that does not send them reads as 0 (unknown)."""

    nofile: int = 0  # open-files limit (RLIMIT_NOFILE soft) after raising it
    max_agents: int = 0  # the most agents this worker can hold (files and ports), sized at its start
    open_files: int = 0  # descriptors in use when the report was made
    reserved_files: int = 0  # descriptors the worker keeps for itself (Locust's sockets, logs, clients)
    files_per_agent: int = 0  # descriptors one agent holds in this process
    local_ports: int = 0  # size of the host's ephemeral port range (one port per connection to a mediator)
    ports_per_agent: int = 0  # local ports one agent holds on the host


@dataclass(frozen=True)
class DeliveryCounts(_Counts):
    """Messages the worker's scenarios sent to agents, and what became of them.

    Each message sent is in exactly one of delivered, lost and in_flight; `late` (lost ones that
    arrived after their timeout), `duplicated` (arrivals of a message already arrived) and
    `out_of_order` (first arrivals behind a later message of the same connection) count arrivals
    beside them, never in the sum."""

    sent: int = 0
    delivered: int = 0  # arrived within the timeout
    lost: int = 0  # not arrived within the timeout
    in_flight: int = 0  # a gauge: sent, neither arrived nor timed out yet
    duplicated: int = 0
    late: int = 0
    out_of_order: int = 0

    # Counters that only grow, so that a stats reset subtracts a baseline from them.
    MONOTONIC = ("sent", "delivered", "lost", "duplicated", "late", "out_of_order")


@dataclass(frozen=True)
class DeliveryReport:
    """The ledger's counts and the latency of the deliveries, a cumulative histogram
    ({milliseconds rounded as Locust rounds response times: deliveries}) that a reader subtracts."""

    counts: DeliveryCounts = DeliveryCounts()
    latency_ms: dict[float, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        # JSON keys are strings: a reader turns them back into numbers.
        return {"counts": self.counts.to_json(), "latency_ms": {str(ms): n for ms, n in self.latency_ms.items()}}

    @classmethod
    def from_json(cls, raw: object) -> DeliveryReport:
        raw = as_dict(raw)
        return cls(
            counts=DeliveryCounts.from_json(raw.get("counts")), latency_ms=buckets_from_json(raw.get("latency_ms"))
        )

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        latency = dict(self.latency_ms)
        for ms, count in other.latency_ms.items():
            latency[ms] = latency.get(ms, 0) + count
        return DeliveryReport(counts=self.counts + other.counts, latency_ms=latency)


@dataclass(frozen=True)
class WorkerReport:
    worker_id: str
    ts: float  # when the worker made it (its clock)
    engine: str  # "native" or "credo"
    agents: AgentCounts = AgentCounts()
    crashes: tuple[AgentCrash, ...] = ()  # newest last, at most MAX_CRASHES
    ports: PortsUse = PortsUse()
    memory: WorkerMemoryUse = WorkerMemoryUse()
    limits: WorkerLimits = WorkerLimits()
    # User + system CPU seconds of the worker process since it started, at `ts` (its agents' own processes
    # not counted). A counter, so that a reader takes the CPU of any window between two reports; None: an
    # older worker that does not say.
    cpu_seconds: float | None = None
    delivery: DeliveryReport = DeliveryReport()
    host: str = ""  # the worker's host name: "" when unknown (then it counts as a host of its own)
    version: int = VERSION

    def fields_json(self) -> dict[str, Any]:
        """The report's fields without its version (as the master's view nests them)."""
        return {
            "worker_id": self.worker_id,
            "ts": self.ts,
            "engine": self.engine,
            "agents": self.agents.to_json(),
            "crashes": [c.to_json() for c in self.crashes],
            "ports": self.ports.to_json(),
            "memory": self.memory.to_json(),
            "limits": self.limits.to_json(),
            "cpu_seconds": self.cpu_seconds,
            "delivery": self.delivery.to_json(),
            "host": self.host,
        }

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, **self.fields_json()}

    @classmethod
    def from_json(cls, raw: object) -> WorkerReport:
        """A worker's report; `VersionMismatch` when it is of another version than this release's."""
        raw = as_dict(raw)
        check_version(
            raw, VERSION, "agent reports", f"worker {as_text(raw.get('worker_id'), '?')!r} sends", "this master"
        )
        return cls.from_fields(raw)

    @classmethod
    def from_fields(cls, raw: dict[str, Any]) -> WorkerReport:
        """The fields of a report whose version was checked already (one nested in the master's view)."""
        worker_id = as_text(raw.get("worker_id"))
        return cls(
            worker_id=worker_id,
            ts=as_number(raw.get("ts")) or 0.0,
            engine=as_text(raw.get("engine")),
            agents=AgentCounts.from_json(raw.get("agents")),
            crashes=crashes_from_json(raw.get("crashes")),
            ports=PortsUse.from_json(raw.get("ports")),
            memory=WorkerMemoryUse.from_json(raw.get("memory")),
            limits=WorkerLimits.from_json(raw.get("limits")),
            cpu_seconds=as_number(raw.get("cpu_seconds")),
            delivery=DeliveryReport.from_json(raw.get("delivery")),
            host=as_text(raw.get("host")),
        )
