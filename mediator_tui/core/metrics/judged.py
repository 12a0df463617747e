"""The figures thresholds judge: those of the running test, kept as the last reads while it ran.

After a stop every agent shuts down, so the live figures (agents running, memory) fall to
zero and say nothing about the test; the store keeps here what it read last while Locust was
spawning or running, and judges from that and memory per agent as measured while it ran.
"""

from __future__ import annotations

from mediator_tui.contracts.agents_view import AgentsView
from mediator_tui.core.metrics.slope import Slope
from mediator_tui.core.metrics.snapshot import JudgedFigures, RequestRow, WorkerInfo


class WhileRunning:
    """The last agent view and worker list read while the run was spawning or running."""

    def __init__(self) -> None:
        self.view: AgentsView | None = None
        self.missing_workers: int | None = None

    def add(self, view: AgentsView | None, workers: tuple[WorkerInfo, ...]) -> None:
        if view is not None:
            self.view = view
        self.missing_workers = sum(1 for w in workers if w.missing)


def nothing_worked(total: RequestRow, view: AgentsView | None) -> str:
    """Why the run shows nothing worked, or "" when something did."""
    if view is not None and view.total.agents.started == 0:
        failures = view.total.agents.start_failures
        return f"no agent started ({failures} start failure{'s' if failures != 1 else ''})"
    if total.count == 0:
        return "no request was made"
    if total.failures >= total.count:
        return f"no request succeeded (all {total.count} failed)"
    return ""


def judged_figures(running: WhileRunning, per_agent: Slope, total: RequestRow) -> JudgedFigures:
    view = running.view
    reason = nothing_worked(total, view)
    if view is None:
        return JudgedFigures(
            workers_missing=running.missing_workers,
            nothing_worked=reason,
            memory_per_agent_unknown_because="no agent metrics while the test ran",
        )
    counts = view.total.agents
    ports = view.total.ports
    return JudgedFigures(
        agents_running=counts.running,
        agents_started=counts.started,
        crashes=counts.crashed,
        start_failures=counts.start_failures,
        restarted=counts.restarted,
        ports_refused=ports.refused if ports is not None else None,
        memory_per_agent_bytes=per_agent.value,
        memory_per_agent_unknown_because=per_agent.reason,
        workers_missing=running.missing_workers,
        nothing_worked=reason,
    )
