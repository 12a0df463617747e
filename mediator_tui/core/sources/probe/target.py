"""Which mediator the probe reads and how: from the embedded mediator, the settings, or both.

Settings win over what the embedded mediator knows: `MEDIATOR_PID` names another process on this
host, `MEDIATOR_ADMIN_URL` (+ `MEDIATOR_ADMIN_HEADERS`) a remote ACA-Py, `MEDIATOR_METRICS_URL` a
Prometheus endpoint. An attached run has no embedded mediator: only the settings count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mediator_tui.core.mediator import LocalMediator
from mediator_tui.core.mediator.acapy import AcaPyAdmin


@dataclass(frozen=True)
class ProbeTarget:
    pid: int | None = None
    ports: tuple[int, ...] | None = None  # inbound ports whose connections count; None: every port it listens on
    admin_url: str = ""  # an ACA-Py admin API
    admin_headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # a secret: never shown
    metrics_url: str = ""
    metric_names: tuple[str, ...] = ()
    database_log: Path | None = None  # the embedded mediator's PostgreSQL server log
    database_max_connections: int | None = None
    database_log_offset: int = 0  # where the cluster's current start began its log

    def probe_ports(self) -> tuple[int, ...]:
        """The ports this probe itself talks to: their connections are not the mediator's clients."""
        ports = (urlsplit(url).port for url in (self.admin_url, self.metrics_url) if url)
        return tuple(p for p in ports if p is not None)

    @property
    def sources(self) -> tuple[str, ...]:
        """What will be read, in the words of the export's `sources` list."""
        return tuple(
            name
            for name, on in (
                ("process", self.pid is not None),
                ("admin", bool(self.admin_url)),
                ("metrics", bool(self.metrics_url)),
                ("database", self.database_log is not None),
            )
            if on
        )


def probe_target(values: Mapping[str, Any], embedded: LocalMediator | None = None) -> ProbeTarget:
    """The target from validated settings (`Config.values`) and the embedded mediator, if any."""
    pid = ports = None
    admin_url = metrics_url = ""
    database_log = database_max_connections = None
    database_log_offset = 0
    if embedded is not None:
        if embedded.cluster is not None:
            database_log, database_max_connections = embedded.cluster.log_path, embedded.cluster.max_connections
            database_log_offset = embedded.cluster.log_offset
        pid = embedded.pid
        if embedded.ports is not None:  # None only before it started
            ports = (embedded.ports.http, embedded.ports.ws)
        if isinstance(embedded.admin, AcaPyAdmin):
            admin_url = embedded.admin_url
        metrics_url = embedded.metrics_url or ""
    if values.get("MEDIATOR_PID") is not None:
        pid, ports = values["MEDIATOR_PID"], None
    return ProbeTarget(
        pid=pid,
        ports=ports,
        admin_url=values.get("MEDIATOR_ADMIN_URL") or admin_url,
        admin_headers=values.get("MEDIATOR_ADMIN_HEADERS") or {},
        metrics_url=values.get("MEDIATOR_METRICS_URL") or metrics_url,
        metric_names=tuple(values.get("MEDIATOR_METRICS") or ()),
        database_log=database_log,
        database_max_connections=database_max_connections,
        database_log_offset=database_log_offset,
    )
