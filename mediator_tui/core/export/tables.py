"""The figures of summary.json and the CSV files, all read from one snapshot."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from mediator_tui.common.numbers import TIMESTAMP_LIMIT, checked
from mediator_tui.core.export.cpu_breakdown import cpu_breakdown_fields
from mediator_tui.core.metrics.snapshot import RequestRow, Snapshot
from mediator_tui.core.metrics.throttling import cores_allowed
from mediator_tui.core.thresholds import ThresholdResult


def iso_time(ts: float | None) -> str | None:
    """A date for `ts`, or None when it is unknown or no date (NaN, negative, past year 9999)."""
    if ts is None or checked(ts, minimum=0, maximum=TIMESTAMP_LIMIT)[0] is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def request_fields(row: RequestRow) -> dict[str, Any]:
    """One request row as summary.json and requests.csv give it (rps: average over the run)."""
    return {
        "type": row.type,
        "name": row.name,
        "count": row.count,
        "failures": row.failures,
        "rps": _rounded(row.avg_rps),
        "p50_ms": row.p50_ms,
        "p95_ms": row.p95_ms,
        "p99_ms": row.p99_ms,
        "max_ms": row.max_ms,
    }


def summary(snapshot: Snapshot, thresholds: list[ThresholdResult], partial: bool = False) -> dict[str, Any]:
    status, agents, ports, memory = snapshot.status, snapshot.agents, snapshot.ports, snapshot.memory
    start = status.started_at
    end = start + status.elapsed_s if start is not None else None
    return {
        "run": {
            "start": iso_time(start),
            "end": iso_time(end),
            "duration_s": round(status.elapsed_s, 3),
            "users": status.peak_users,
            "workers": status.worker_count,
            "missing_workers": list(status.missing_workers),
            "engine": status.engine,
            "locustfiles": list(status.locustfiles),
            "target": status.target,
            "mode": status.mode,
            "master_url": status.master_url,
            "partial": partial,
            # Why the run tested nothing (no agent started, no request succeeded); null when something worked.
            "nothing_worked": snapshot.judged.nothing_worked or None,
        },
        "requests": [request_fields(row) for row in snapshot.requests],
        "total": {**request_fields(snapshot.total), "fail_ratio": round(snapshot.total.fail_ratio, 6)},
        "agents": {
            key: (getattr(agents, key) if agents.known else None)
            # reconnects: websockets to the mediator reopened after they ended unasked (a proxy's idle timeout,
            # a mediator restart), counted by each engine's transport
            for key in ("started", "running", "crashed", "restarted", "peak_running", "reconnects")
        },
        "ports": {key: (getattr(ports, key) if ports.known else None) for key in ("size", "in_use_max", "refused")},
        # Memory when the most agents ran: after the stop the live figures are those of an idle worker.
        "memory": {
            "agents": memory.peak_agents if memory.known else None,
            "unique_bytes": memory.peak_unique_bytes if memory.known else None,
            "shared_bytes": memory.peak_shared_bytes if memory.known else None,
            # What one more agent costs, as measured while the test ran (the figure `memory_per_agent` judges).
            "per_agent_unique_bytes": _rounded(snapshot.judged.memory_per_agent_bytes, 1),
            "per_agent_unknown_because": snapshot.judged.memory_per_agent_unknown_because or None,
        },
        "mediator": mediator_summary(snapshot),
        "delivery": delivery_fields(snapshot),
        "thresholds": [result.as_dict() for result in thresholds],
        # The whole run is kept: beyond the store's history (an hour of seconds) it is downsampled.
        # Where history.csv's per-second percentiles come from: "interval" (exact), Locust's "window" (which has
        # no p99: that one is then "cumulative", since the start).
        "history": {
            "seconds_per_point": snapshot.history_step_s,
            "downsampled": snapshot.history_step_s > 1,
            "percentile_source": snapshot.total.percentile_source,
            "p99_source": snapshot.total.interval_p99_source,
        },
    }


def mediator_summary(snapshot: Snapshot) -> dict[str, Any]:
    """The mediator's side over the run (null where unknown) and what was read to know it."""
    mediator = snapshot.mediator
    throttled = mediator.throttled
    return {
        "sources": list(mediator.sources),
        "cpu_percent_max": _rounded(mediator.cpu_percent_max, 1),
        # mediator_throttled: % of the CFS periods it ran in that its CPU limit cut short, over the run.
        "throttled_percent": None if throttled is None else _rounded(throttled.percent, 1),
        "throttled_s": None if throttled is None else _rounded(throttled.throttled_s, 2),
        "cpu_limit_cores": None if throttled is None else throttled.cpu_limit_cores,
        # The cores the mediator may use (its CPU limit, else this host's cores): what CPU per request is divided
        # by to tell the share of its allowance a request takes (core/compare/figures.py). Null when the probe read
        # no mediator process on this host: a mediator elsewhere has cores this host cannot tell.
        **_cores_allowed(snapshot),
        "rss_bytes_max": mediator.rss_bytes_max,
        "bytes_per_connection": _rounded(mediator.bytes_per_connection, 1),
        "connections_max": mediator.connections_max,
        "connections_from": mediator.connections_from,
        "session_gap_max": mediator.session_gap_max,
        "session_gap_judged_s": _rounded(mediator.session_gap_judged_s, 1),
        "queue_age_s_max": _rounded(mediator.queue_age_s_max),
        # What its CPU went to: connections held, pings, onboarding (docs/metrics.md#cpu-breakdown).
        "cpu_breakdown": cpu_breakdown_fields(snapshot),
        "state": mediator.state or "answering",
        "stalled_s": _rounded(mediator.stalled_s, 1),
        "saturated_s": _rounded(mediator.saturated_s, 1),
        "errors": [{"source": source, "error": text} for source, text in mediator.errors],
        "unknown": [{"figure": figure, "enable": hint} for figure, hint in mediator.unknown],
    }


def _cores_allowed(snapshot: Snapshot) -> dict[str, Any]:
    mediator = snapshot.mediator
    allowed = cores_allowed(mediator.throttled, os.cpu_count()) if "process" in mediator.sources else None
    cores, source = allowed if allowed is not None else (None, None)
    return {"cpu_cores_allowed": cores, "cpu_cores_allowed_from": source}


DELIVERY_FIELDS = (
    "sent",
    "delivered",
    "lost",
    "in_flight",
    "duplicated",
    "late",
    "out_of_order",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
)


def delivery_fields(snapshot: Snapshot) -> dict[str, Any]:
    """The delivery ledger's run totals; all null when the workers keep none (another release)."""
    delivery = snapshot.delivery
    return {key: (getattr(delivery, key) if delivery.known else None) for key in DELIVERY_FIELDS}


def summary_json(body: dict[str, Any]) -> str:
    """summary.json's text of `body` (`summary`, with the parts only some runs have after it). Strict JSON: a
    figure that is NaN or infinite (whatever computed it) is written as null, never as `NaN`."""
    return json.dumps(finite_only(body), indent=2, allow_nan=False) + "\n"


def finite_only(value: Any) -> Any:
    """`value` (JSON-shaped: dicts, lists, tuples, scalars) with every NaN or infinite float as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_only(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_only(item) for item in value]
    return value


# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection"):
# https://owasp.org/www-community/attacks/CSV_Injection
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_inert_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def _inert_cell(cell: object) -> object:
    """A text cell that a spreadsheet would take for a formula (a request name or error text from the
    network), with a leading `'` so it is read as text; numbers, negative ones too, stay numbers. A carriage
    return becomes a line feed: the csv module leaves a field holding a lone CR unquoted (it quotes only for
    the line terminator, "\n" here), and a reader ends the row there."""
    if not isinstance(cell, str):
        return cell
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        cell = "'" + cell
    return cell.replace("\r\n", "\n").replace("\r", "\n")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def history_csv(snapshot: Snapshot) -> str:
    """One row per second and series (per `seconds_per_point` of a downsampled long run); within a
    second the aggregate comes first."""
    points = sorted(
        ((p.t, order, series, p) for order, series in enumerate(snapshot.history) for p in series.points),
        key=lambda item: item[:2],
    )
    return _csv(
        [
            "time",
            "ts",
            "series",
            "type",
            "name",
            "users",
            "rps",
            "fail_per_s",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "seconds_per_point",
        ],
        (
            [
                iso_time(p.t),
                _cell(p.t),
                series.key,
                series.type,
                series.name,
                p.users,
                _cell(p.rps),
                _cell(p.fail_per_s),
                _cell(p.p50_ms),
                _cell(p.p95_ms),
                _cell(p.p99_ms),
                series.step_s,
            ]
            for _, _, series, p in points
        ),
    )


def requests_csv(snapshot: Snapshot) -> str:
    """Endpoints only: their counts add up to the aggregate in summary.json."""
    return _csv(
        [
            "type",
            "name",
            "count",
            "failures",
            "fail_ratio",
            "rps",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "max_ms",
            "min_ms",
            "avg_ms",
        ],
        (
            [
                r.type,
                r.name,
                r.count,
                r.failures,
                _cell(round(r.fail_ratio, 6)),
                _cell(r.avg_rps),
                _cell(r.p50_ms),
                _cell(r.p95_ms),
                _cell(r.p99_ms),
                _cell(r.max_ms),
                _cell(r.min_ms),
                _cell(r.avg_ms),
            ]
            for r in snapshot.requests
        ),
    )


def failures_csv(snapshot: Snapshot) -> str:
    return _csv(
        ["type", "name", "error", "occurrences"], ([f.type, f.name, f.error, f.occurrences] for f in snapshot.failures)
    )


def agents_csv(snapshot: Snapshot) -> str:
    """Crash events of the run, oldest first."""
    return _csv(
        ["time", "ts", "worker_id", "user", "reason", "stderr_tail"],
        (
            [iso_time(c.ts), _cell(c.ts), c.worker_id, c.user, c.reason, c.stderr_tail]
            for c in snapshot.agents.crash_log
        ),
    )


def delivery_csv(snapshot: Snapshot) -> str:
    """One row per second: the ledger's counts so far, what happened in that second and its latency."""
    return _csv(
        [
            "time",
            "ts",
            "sent",
            "delivered",
            "lost",
            "in_flight",
            "duplicated",
            "late",
            "out_of_order",
            "sent_in_s",
            "delivered_in_s",
            "lost_in_s",
            "duplicated_in_s",
            "p50_ms",
            "p95_ms",
            "p99_ms",
        ],
        (
            [
                iso_time(p.t),
                _cell(p.t),
                p.sent,
                p.delivered,
                p.lost,
                p.in_flight,
                p.duplicated,
                p.late,
                p.out_of_order,
                p.sent_in_s,
                p.delivered_in_s,
                p.lost_in_s,
                p.duplicated_in_s,
                _cell(p.p50_ms),
                _cell(p.p95_ms),
                _cell(p.p99_ms),
            ]
            for p in snapshot.delivery.points
        ),
    )


def memory_csv(snapshot: Snapshot) -> str:
    return _csv(
        [
            "time",
            "ts",
            "users",
            "agents_running",
            "agents_crashed",
            "agents_reconnects",
            "ports_in_use",
            "unique_bytes",
            "shared_bytes",
            "report_bytes_max",
            "report_bytes_per_s",
            "seconds_per_point",
        ],
        (
            [
                iso_time(p.t),
                _cell(p.t),
                p.users,
                _cell(p.agents_running),
                _cell(p.agents_crashed),
                _cell(p.agents_reconnects),
                _cell(p.ports_in_use),
                _cell(p.unique_bytes),
                _cell(p.shared_bytes),
                _cell(p.report_bytes_max),
                _cell(p.report_bytes_per_s),
                snapshot.resources_step_s,
            ]
            for p in snapshot.resources
        ),
    )
