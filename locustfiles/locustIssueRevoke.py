"""The issuer issues a credential to a wallet listening on its own port, then revokes it.

Rows as in locustMediatorIssueRevoke.py. Needs an Indy or AnonCreds issuer with a
ledger (CRED_DEF with revocation support, SCHEMA, CRED_ATTR) and a port per wallet.
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerRevokeUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer", "ledger", "ports")


class IssueRevoke(IssuerRevokeUser):
    with_mediation = False
