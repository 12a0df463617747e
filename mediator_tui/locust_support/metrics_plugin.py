"""Agent metrics from the workers to the master's web app (`GET /mediator-tui/agents`).

Imported by every scenario through the base user. Each worker piggy-backs its
report (`WorkerAgents.report()`) on Locust's own worker report, sent every second
here instead of every 3 s, so the figures travel across hosts with the stats; the
master keeps the latest per worker and serves the aggregate. A plain `locust -f`
(no workers) serves its own report the same way. `POST /stats/reset` resets it too.
"""

from __future__ import annotations

import locust.runners
from flask import jsonify
from locust import events
from locust.runners import MasterRunner, WorkerRunner

from mediator_tui.locust_support.agent_metrics import AgentMetricsBoard
from mediator_tui.locust_support.worker_agents import worker_agents

REPORT_KEY = "mediator_tui"
ROUTE = "/mediator-tui/agents"

# Per-second rates on the master instead of 3-second steps (read by the worker's reporter loop).
locust.runners.WORKER_REPORT_INTERVAL = 1.0


@events.init.add_listener
def _on_init(environment, runner=None, web_ui=None, **_kwargs) -> None:
    if isinstance(runner, MasterRunner):
        view, reset = _master(environment)
    else:
        state = worker_agents()
        state.apply_limits()
        environment.events.quitting.add_listener(lambda **_kw: state.shutdown_all())
        if isinstance(runner, WorkerRunner):
            _worker(environment, runner, state)
            return
        view, reset = _local(state)
    environment.events.reset_stats.add_listener(reset)

    def on_spawning_complete(**_kw):
        # `--reset-stats` resets Locust's statistics here without firing reset_stats.
        if environment.reset_stats:
            reset()

    environment.events.spawning_complete.add_listener(on_spawning_complete)
    if web_ui is not None:
        # Beside Locust's own routes, under its `--web-base-path` when one is set.
        prefix = (getattr(environment.parsed_options, "web_base_path", None) or "").rstrip("/")
        _serve(web_ui, runner, view, prefix + ROUTE)


def _master(environment):
    board = AgentMetricsBoard()

    def on_worker_report(client_id, data, **_kw):
        if REPORT_KEY in data:
            board.receive(data[REPORT_KEY])

    environment.events.worker_report.add_listener(on_worker_report)
    return board.view, board.reset


def _worker(environment, runner, state) -> None:
    state.joined(runner.client_id, runner.worker_index, getattr(environment.parsed_options, "processes", None))

    def on_report_to_master(client_id, data, **_kw):
        data[REPORT_KEY] = state.report()

    environment.events.report_to_master.add_listener(on_report_to_master)


def _local(state):
    """No master: this process's own report is the only one."""
    board = AgentMetricsBoard()

    def view():
        board.receive(state.report())
        return board.view()

    def reset():
        board.receive(state.report())
        board.reset()

    return view, reset


def _serve(web_ui, runner, view, path: str) -> None:
    def mediator_tui_agents():
        body = view()
        if runner is not None:
            body["request_stats"] = request_histograms(runner.stats)
        return jsonify(body)

    web_ui.app.add_url_rule(path, "mediator_tui_agents", web_ui.auth_required_if_enabled(mediator_tui_agents))


def request_histograms(stats) -> dict:
    """Cumulative response-time histograms, so a poller can compute exact percentiles per interval."""

    def row(entry) -> dict:
        return {"num_requests": entry.num_requests, "num_failures": entry.num_failures,
                "response_times": {str(ms): count for ms, count in entry.response_times.items()}}

    return {
        "entries": [{"method": entry.method, "name": entry.name, **row(entry)} for entry in stats.entries.values()],
        "total": row(stats.total),
    }
