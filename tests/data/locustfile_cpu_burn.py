"""A locustfile whose users burn the worker's CPU: each task computes for 20 ms, reports it as a
DIDComm request and goes again at once, so a few users keep a worker process near one core.

It imports the agent-metrics plugin as every real scenario does (through the base user), so the
worker reports its CPU counter to the master as a real run's workers do.
"""

import time

import locust.runners
from locust import User, constant, events, task

from mediator_tui.locust_support import metrics_plugin  # noqa: F401  (registers the agent metrics on import)

BURN_S = 0.02

# The worker is busy by design; on a host busy with other work too, Locust's master (which reads this
# file as well) would count it missing after its default 3 heartbeats (3 s) and stop the test.
locust.runners.HEARTBEAT_LIVENESS = 30


class CpuBurningUser(User):
    wait_time = constant(0)

    @task
    def ping_mediator(self):
        started = time.perf_counter()
        while time.perf_counter() - started < BURN_S:
            sum(range(1000))
        events.request.fire(
            request_type="DIDComm",
            name="ping_mediator",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None,
            context={},
        )
