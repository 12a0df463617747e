"""The issuer issues credentials to mediated wallets; timed from the offer to the stored credential.

Rows: `didcomm agent_start`, `didcomm receive_invitation`, `didcomm receive_credential`,
and the issuer's admin calls. Needs ISSUER_URL (and CRED_DEF/SCHEMA for Indy/AnonCreds).
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerCredentialUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer", "credential")


class MediatorIssue(IssuerCredentialUser):
    with_mediation = True
