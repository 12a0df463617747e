"""What the locustfiles share: the base user, agent metrics to the master, the issuer's admin API.

Modules that import Locust (and so patch the interpreter for gevent) are only loaded
by Locust processes; `agent_metrics`, `credentials` and `issuer_admin` do not import it.
"""
