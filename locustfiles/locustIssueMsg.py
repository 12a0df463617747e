"""The issuer sends basic messages to wallets listening on their own port (no mediator).

Rows as in locustMediatorMsg.py. Needs ISSUER_URL and a port per wallet from
[START_PORT, END_PORT) reachable by the issuer at AGENT_IP.
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerMessageUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer", "ports")


class IssueMsg(IssuerMessageUser):
    with_mediation = False
