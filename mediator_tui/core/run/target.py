"""What a run's target is called in status lines and exports: never the invitation itself."""

from __future__ import annotations

from ..config.secrets import strip_url_password
from ..invitation import InvitationError, decode_invitation_url


def describe_target(mediation_url: str) -> str:
    """The mediator's service endpoint from an invitation URL, password removed.

    The invitation carries the mediator's keys and may grant access: it is not shown whole.
    """
    if not mediation_url:
        return ""
    try:
        message = decode_invitation_url(mediation_url).message
    except InvitationError:
        return "(an invitation URL that cannot be decoded)"
    services = message.get("services") or [message]
    endpoint = next((s.get("serviceEndpoint") for s in services if isinstance(s, dict)), None)
    if isinstance(endpoint, str) and endpoint:
        return strip_url_password(endpoint)
    did = next((s for s in services if isinstance(s, str)), message.get("did", ""))
    return str(did) or "(invitation without an endpoint)"
