"""What a run's target is called in status lines and exports: never the invitation itself."""

from __future__ import annotations

from mediator_tui.common.invitation import InvitationError, decode_invitation_url
from mediator_tui.core.config.secrets import mask_url_credentials


def describe_target(mediation_url: str) -> str:
    """The mediator's service endpoint from an invitation URL, password removed.

    The invitation carries the mediator's keys and may grant access: it is not shown whole.
    """
    if not mediation_url:
        return ""
    try:
        invitation = decode_invitation_url(mediation_url)
    except InvitationError:
        return "(an invitation URL that cannot be decoded)"
    endpoint = invitation.endpoint()
    if endpoint is not None:
        return mask_url_credentials(endpoint)
    # every service is a DID: naming its endpoint would need resolving it
    return str(invitation.services[0]) or "(invitation without an endpoint)"
