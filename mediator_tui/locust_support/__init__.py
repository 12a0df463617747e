"""What the locustfiles share: the base user, the delivery ledger, agent metrics to the master, the
capacity search's step ramp, the issuer's admin API, and the worker host's helpers (`port_pool`,
`worker_limits`, `process_memory` and `memory_probe`, `timer_slack`).

Modules that import Locust (and so patch the interpreter for gevent) are only loaded
by Locust processes; `agent_metrics`, `report_size`, `credentials`, `issuer_admin` and the host helpers do not
import it.
"""
