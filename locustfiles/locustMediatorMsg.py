"""The issuer sends basic messages to mediated wallets; timed from its admin call to arrival.

Rows: `didcomm agent_start`, `didcomm receive_invitation`, `didcomm receive_message`,
and the issuer's admin calls. Needs ISSUER_URL.
"""

from mediator_tui.locust_support.issuer_scenarios import IssuerMessageUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer",)


class MediatorMsg(IssuerMessageUser):
    with_mediation = True
