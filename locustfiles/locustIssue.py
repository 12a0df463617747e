"""The issuer issues credentials to wallets listening on their own port (no mediator).

Rows as in locustMediatorIssue.py. Needs ISSUER_URL and a port per wallet from
[START_PORT, END_PORT) reachable by the issuer at AGENT_IP.
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerCredentialUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer", "credential", "ports")


class Issue(IssuerCredentialUser):
    with_mediation = False
