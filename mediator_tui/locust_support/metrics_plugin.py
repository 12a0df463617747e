"""Agent metrics from the workers to the master's web app, and the request histograms.

Imported by every scenario through the base user. Each worker piggy-backs its
report (`WorkerAgents.report()`) on Locust's own worker report, sent every second
here instead of every 3 s, so the figures travel across hosts with the stats; the
master keeps the latest per worker, with the size of the message it came in, and serves the aggregate on
`GET /mediator-tui/agents`.
A plain `locust -f` (no workers) serves its own report the same way. `POST /stats/reset`
resets it too. `GET /mediator-tui/requests` serves Locust's counts and response-time
histograms uncached. Both bodies are written in `mediator_tui.contracts`.
"""

from __future__ import annotations

import locust.runners
from flask import jsonify
from locust import events
from locust.runners import MasterRunner, WorkerRunner

from mediator_tui.contracts.agents_view import PATH as AGENTS_PATH
from mediator_tui.contracts.request_histograms import PATH as REQUESTS_PATH
from mediator_tui.contracts.request_histograms import Histogram, RequestHistograms
from mediator_tui.locust_support.agent_metrics import AgentMetricsBoard
from mediator_tui.locust_support.heartbeats import size_for, size_master
from mediator_tui.locust_support.report_size import report_bytes
from mediator_tui.locust_support.web_path import web_base_path
from mediator_tui.locust_support.worker_agents import worker_agents

REPORT_KEY = "mediator_tui"

# Per-second rates on the master instead of 3-second steps (read by the worker's reporter loop).
locust.runners.WORKER_REPORT_INTERVAL = 1.0
# Heartbeats a worker may miss before the master marks it missing: 15 at least, more for many workers (read by
# the master's heartbeat loop; the rule and why in heartbeats.py).
size_for(locust.runners, 0)


@events.init.add_listener
def _on_init(environment, runner=None, web_ui=None, **_kwargs) -> None:
    if isinstance(runner, MasterRunner):
        view, reset = _master(environment)
        size_master(locust.runners, environment, runner)
    else:
        state = worker_agents()
        state.apply_limits()
        environment.events.quitting.add_listener(lambda **_kw: state.shutdown_all())
        environment.events.test_stop.add_listener(lambda **_kw: state.save_population())
        # Messages pending as the users stop were in flight at the end, not lost (delivery_ledger.py).
        environment.events.test_stopping.add_listener(lambda **_kw: state.ledger.stop_judging())
        environment.events.test_start.add_listener(lambda **_kw: state.ledger.resume_judging())
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
        prefix = web_base_path(environment)
        _serve(web_ui, runner, view, prefix)


def _master(environment):
    board = AgentMetricsBoard()

    def on_worker_report(client_id, data, **_kw):
        if REPORT_KEY in data:
            # Measured here, where it arrived: the whole message, Locust's stats with it (report_size.py).
            board.receive_json(client_id, data[REPORT_KEY], report_bytes(client_id, data))

    environment.events.worker_report.add_listener(on_worker_report)
    return board.view, board.reset


def _worker(environment, runner, state) -> None:
    state.joined(runner.client_id, runner.worker_index, getattr(environment.parsed_options, "processes", None))

    def on_report_to_master(client_id, data, **_kw):
        data[REPORT_KEY] = state.report().to_json()

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


def _serve(web_ui, runner, view, prefix: str) -> None:
    def mediator_tui_agents():
        return jsonify(view().to_json())

    def mediator_tui_requests():
        return jsonify(request_histograms(runner.stats).to_json())

    web_ui.app.add_url_rule(
        prefix + AGENTS_PATH, "mediator_tui_agents", web_ui.auth_required_if_enabled(mediator_tui_agents)
    )
    if runner is not None:
        web_ui.app.add_url_rule(
            prefix + REQUESTS_PATH, "mediator_tui_requests", web_ui.auth_required_if_enabled(mediator_tui_requests)
        )


def request_histograms(stats) -> RequestHistograms:
    """Cumulative response-time histograms, so a poller can compute exact percentiles per interval."""

    def row(entry) -> Histogram:
        return Histogram(
            method=entry.method or "",
            name=entry.name,
            num_requests=entry.num_requests,
            num_failures=entry.num_failures,
            response_times=dict(entry.response_times),
        )

    return RequestHistograms(entries=tuple(row(entry) for entry in stats.entries.values()), total=row(stats.total))
