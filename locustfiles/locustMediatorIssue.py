"""The issuer issues credentials to mediated wallets; timed from the offer to the stored credential.

Rows: `didcomm agent_start`, `didcomm receive_invitation`, `didcomm receive_credential`,
and the issuer's admin calls. Needs ISSUER_URL (and CRED_DEF/SCHEMA for Indy/AnonCreds).
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerCredentialUser


class MediatorIssue(IssuerCredentialUser):
    with_mediation = True
