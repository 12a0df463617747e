"""How many heartbeats the master lets a worker miss before it marks the worker missing, sized for the workers.

Locust's default is 3 (one heartbeat a second: `HEARTBEAT_LIVENESS` in
https://github.com/locustio/locust/blob/master/locust/runners.py). A missing worker's users are sent to the other
workers while it keeps running its own: on a busy 2-core host a worker starved of CPU for 3 s turned 2,000 users
into 2,650, hence a floor of 15. The master reads every worker's heartbeat and report (one a second each,
`metrics_plugin.py`) on one event loop: the more workers, the later a heartbeat can be read after a burst (a spawn
sent to every worker, a stats reset), and with tens of workers the master marks live ones missing
(https://github.com/locustio/locust/issues/3065 with 40 workers; #1158). So the master allows one second more per
`WORKERS_PER_SECOND` workers that joined it, up to `MAX_LIVENESS`: a worker that is gone for good must still be
found within a minute, before Locust forgets it (`HEARTBEAT_DEAD_INTERNAL`, 60 s after it went missing).

Locust reads `HEARTBEAT_LIVENESS` each time a heartbeat arrives and when a worker joins, so raising it as workers
join (before any load: a run starts once its workers have joined) takes effect at each worker's next heartbeat.
"""

from __future__ import annotations

from typing import Any

import locust.runners

MIN_LIVENESS = 15
WORKERS_PER_SECOND = 10
MAX_LIVENESS = 60


def liveness_for(workers: int) -> int:
    """Heartbeats (seconds) a master of `workers` workers lets one miss."""
    return min(MAX_LIVENESS, MIN_LIVENESS + max(0, workers) // WORKERS_PER_SECOND)


def size_for(workers: int) -> int:
    """Raise (never lower) Locust's liveness to the one for `workers` workers; the liveness now."""
    locust.runners.HEARTBEAT_LIVENESS = max(locust.runners.HEARTBEAT_LIVENESS, liveness_for(workers))
    return locust.runners.HEARTBEAT_LIVENESS


def size_master(environment: Any, runner: Any) -> None:
    """Size the liveness again as each worker joins (Locust fires `worker_connect` before it adds the worker
    to `runner.clients`; a worker that joins again is counted twice, which errs on the side of waiting)."""
    environment.events.worker_connect.add_listener(lambda **_kw: size_for(len(runner.clients) + 1))
