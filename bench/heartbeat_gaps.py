"""Loaded by `bench/workers.py` into its Locust master beside the scenario: the longest heartbeat gap per worker.

Locust's master counts each worker's heartbeat down once a second and resets it to HEARTBEAT_LIVENESS when one
arrives (locust/runners.py, `MasterRunner.heartbeat_worker`); a worker whose count goes below 0 is marked missing.
A sampler here keeps the lowest count each worker reached, so LIVENESS minus that count is the most seconds it went
unheard: a gap of 3 or more is a worker Locust's default (3) would have marked missing, even when the tool's 15 does
not. `GET /bench/heartbeats` returns the lowest counts since the last call and starts over.
"""

from __future__ import annotations

import gevent
import locust.runners
from flask import jsonify
from locust import events
from locust.runners import MasterRunner

SAMPLE_EVERY_S = 0.2


@events.init.add_listener
def _on_init(environment, runner=None, web_ui=None, **_kwargs) -> None:
    if not isinstance(runner, MasterRunner) or web_ui is None:
        return
    lowest: dict[str, int] = {}

    def sample() -> None:
        while True:
            for client in runner.clients.values():
                lowest[client.id] = min(lowest.get(client.id, client.heartbeat), client.heartbeat)
            gevent.sleep(SAMPLE_EVERY_S)

    def heartbeats():
        taken = dict(lowest)
        lowest.clear()
        return jsonify({"liveness": locust.runners.HEARTBEAT_LIVENESS, "lowest": taken})

    gevent.spawn(sample)
    web_ui.app.add_url_rule("/bench/heartbeats", "bench_heartbeats", heartbeats)
