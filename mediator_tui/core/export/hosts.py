"""The workers in an export: summary.json's `hosts` section and hosts.csv, as the run ended, and its `workers`
section (the run's highest figures of all workers)."""

from __future__ import annotations

from typing import Any

from mediator_tui.core.export.tables import _cell, _csv, _rounded, iso_time
from mediator_tui.core.metrics.host_view import HostWorker
from mediator_tui.core.metrics.snapshot import Snapshot

HOSTS_FILE = "hosts.csv"


def _worker_fields(worker: HostWorker) -> dict[str, Any]:
    """A worker that went missing: its last report, when it went and why it likely did."""
    return {
        "worker_id": worker.worker_id,
        "missing_since": iso_time(worker.missing_since),
        "last_report": iso_time(worker.last_report_at),
        "why": worker.why_missing,
        "agents": worker.agents,
        "cpu_percent": _rounded(worker.cpu_percent, 1),
        "open_files": worker.open_files,
        "open_files_limit": worker.open_files_limit,
        "report_bytes": worker.report_bytes,
    }


def hosts_fields(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Each host: its live workers and their figures summed; the missing ones (and those a restarted worker
    replaced) with why they likely went."""
    return [
        {
            "host": host.host,
            "workers": [w.worker_id for w in host.live],
            "agents": host.agents,
            "cpu_percent": _rounded(host.cpu_percent, 1),
            "open_files": host.open_files,
            "open_files_limit": host.open_files_limit,
            "local_ports_used": host.local_ports_used,
            "local_ports": host.local_ports,
            "report_bytes": host.report_bytes,
            "missing": [_worker_fields(w) for w in host.missing],
            "replaced": [_worker_fields(w) for w in host.replaced],
        }
        for host in snapshot.hosts
    ]


def workers_fields(snapshot: Snapshot) -> dict[str, Any]:
    """The workers' reports to the master at their highest in the run, in bytes as sent (null: not measured)."""
    return {
        "report_bytes_max": snapshot.reports.largest_bytes,
        "report_bytes_per_s_max": snapshot.reports.per_s_bytes,
    }


def hosts_csv(snapshot: Snapshot) -> str:
    """One row per host as the run ended: its live workers' figures summed (CPU: 100 per busy core), how many
    went missing, since when the first did and why they likely went."""
    return _csv(
        [
            "host",
            "workers",
            "missing",
            "replaced",
            "agents",
            "cpu_percent",
            "open_files",
            "open_files_limit",
            "local_ports_used",
            "local_ports",
            "report_bytes",
            "missing_since",
            "why_missing",
        ],
        (
            [
                host.host,
                len(host.live),
                len(host.missing),
                len(host.replaced),
                host.agents,
                _cell(host.cpu_percent),
                host.open_files,
                host.open_files_limit,
                host.local_ports_used,
                host.local_ports,
                _cell(host.report_bytes),
                iso_time(min((w.missing_since for w in host.missing if w.missing_since is not None), default=None)),
                host.why_missing,
            ]
            for host in snapshot.hosts
        ),
    )
