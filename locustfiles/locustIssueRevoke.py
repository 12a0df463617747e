"""The issuer issues a credential to a wallet listening on its own port, then revokes it.

Rows as in locustMediatorIssueRevoke.py. Needs an Indy or AnonCreds issuer with a
ledger (CRED_DEF with revocation support, SCHEMA, CRED_ATTR) and a port per wallet.
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerRevokeUser


class IssueRevoke(IssuerRevokeUser):
    with_mediation = False
