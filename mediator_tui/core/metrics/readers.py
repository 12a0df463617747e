"""Readers of what the poller gets from the master, each payload read once, when it is fed.

Locust's `/stats/requests` is Locust's, not ours: `read_master_stats` takes what it
can read of it (tolerantly, `mediator_tui.contracts.fields`). The two routes of ours
are read by their contracts; a body of another version raises `VersionMismatch`.
Anything that is not a JSON object counts as "no such route".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.contracts.fields import as_amount, as_count, as_dict, as_int, as_text, dicts
from mediator_tui.contracts.request_histograms import RequestHistograms
from mediator_tui.core.metrics.snapshot import FailureRow, WorkerInfo


@dataclass(frozen=True)
class StatsRow:
    """One row of Locust's stats table: cumulative since the start (or the last reset)."""

    method: str
    name: str
    count: int
    failures: int
    median_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    min_ms: float | None
    avg_ms: float | None
    total_rps: float | None


@dataclass(frozen=True)
class MasterStats:
    state: str  # Locust's runner state, "missing" when the master did not say
    users: int
    workers: tuple[WorkerInfo, ...]
    rows: tuple[StatsRow, ...]
    failures: tuple[FailureRow, ...]
    # Locust's own recent-window (about 10 s) p50 and p95 of all requests; None when not served.
    window: tuple[float | None, float | None] | None


def read_master_stats(stats: dict[str, Any]) -> MasterStats:
    window = as_dict(stats.get("current_response_time_percentiles"))
    return MasterStats(
        state=as_text(stats.get("state"), "missing"),
        users=as_count(stats.get("user_count")),
        workers=tuple(
            WorkerInfo(
                worker_id=as_text(w.get("id"), "?"),
                state=as_text(w.get("state"), "?"),
                users=as_count(w.get("user_count")),
                cpu_percent=as_amount(w.get("cpu_usage")),
                memory_bytes=as_int(w.get("memory_usage")),
                missing=w.get("state") == "missing",
            )
            for w in dicts(stats.get("workers"))
        ),
        # A row without a name belongs to no series.
        rows=tuple(_row(row) for row in dicts(stats.get("stats")) if isinstance(row.get("name"), str)),
        failures=tuple(
            FailureRow(
                type=as_text(e.get("method")),
                name=as_text(e.get("name")),
                error=as_text(e.get("error")),
                occurrences=as_count(e.get("occurrences")),
            )
            for e in dicts(stats.get("errors"))
        ),
        window=(
            as_amount(window.get("response_time_percentile_0.5")),
            as_amount(window.get("response_time_percentile_0.95")),
        )
        if window
        else None,
    )


def _row(row: dict[str, Any]) -> StatsRow:
    return StatsRow(
        method=as_text(row.get("method")),
        name=row["name"],
        count=as_count(row.get("num_requests")),
        failures=as_count(row.get("num_failures")),
        median_ms=as_amount(row.get("median_response_time")),
        p95_ms=as_amount(row.get("response_time_percentile_0.95")),
        p99_ms=as_amount(row.get("response_time_percentile_0.99")),
        max_ms=as_amount(row.get("max_response_time")),
        min_ms=as_amount(row.get("min_response_time")),
        avg_ms=as_amount(row.get("avg_response_time")),
        total_rps=as_amount(row.get("total_rps")),
    )


def read_agents_view(raw: object) -> AgentsView | None:
    """The agent-metrics route's body; None when the master has none (plain Locust)."""
    return AgentsView.from_json(raw) if isinstance(raw, dict) else None


def read_histograms(raw: object) -> RequestHistograms | None:
    """The request-histograms route's body; None when the master has none (plain Locust)."""
    return RequestHistograms.from_json(raw) if isinstance(raw, dict) else None
