"""A locustfile that sends nothing: each task reports a made-up DIDComm request.

Lets the run core be tested without a mediator; failures are deterministic
(every 10th request of a user) so thresholds can be made to fail on purpose.
With SYNTHETIC_FAIL_ABOVE=N set, every request fails while the worker runs more
than N users: a knee that depends on the load alone, not on how fast this host is.
"""

import os
import random
import time

from locust import User, between, events, task

FAIL_ABOVE = int(os.environ.get("SYNTHETIC_FAIL_ABOVE") or 0)


class SyntheticPingUser(User):
    wait_time = between(0.05, 0.15)

    def on_start(self):
        self.sent = 0

    @task
    def ping_mediator(self):
        self.sent += 1
        started = time.perf_counter()
        time.sleep(random.uniform(0.001, 0.02))
        events.request.fire(
            request_type="DIDComm",
            name="ping_mediator",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=RuntimeError("synthetic failure") if self.sent % 10 == 0 or self._overloaded() else None,
            context={},
        )

    def _overloaded(self):
        # user_count is this worker's own: Locust spreads users evenly across workers
        return FAIL_ABOVE > 0 and self.environment.runner.user_count > FAIL_ABOVE
