"""A locustfile whose users burn the worker's CPU: each task computes for 20 ms, reports it as a
DIDComm request and goes again at once, so a few users keep a worker process near one core.

It imports the agent-metrics plugin as every real scenario does (through the base user), so the
worker reports its CPU counter to the master as a real run's workers do.
"""

import os
import sys
import time

from locust import User, constant, events, task

from mediator_tui.locust_support import metrics_plugin  # noqa: F401  (registers the agent metrics on import)

BURN_S = 0.02

if "--worker" in sys.argv:
    # A worker at one core is the condition the test needs; beside other CPU-bound processes of its session
    # (the rest of the suite) on a 2-core host it gets that core only at a higher priority than theirs: at the
    # highest, its share of a core shared with two of them is above 97 %. The test raises its session above
    # the others'. Without the right to raise it (not root, no CAP_SYS_NICE) it runs at the share it gets.
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -20)
    except PermissionError:
        pass


class CpuBurningUser(User):
    wait_time = constant(0)

    @task
    def ping_mediator(self):
        started = time.perf_counter()
        while time.perf_counter() - started < BURN_S:
            sum(range(1000))
        events.request.fire(request_type="DIDComm", name="ping_mediator",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=None, context={})
