"""The issuer issues a credential to a mediated wallet, then revokes it (and publishes the revocation).

Rows as in locustMediatorIssue.py plus `admin POST /revocation/revoke` (or
`/anoncreds/revocation/revoke`). Needs an Indy or AnonCreds issuer with a ledger:
CRED_DEF (with revocation support), SCHEMA, CRED_ATTR.
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerRevokeUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer", "ledger")


class MediatorIssueRevoke(IssuerRevokeUser):
    with_mediation = True
