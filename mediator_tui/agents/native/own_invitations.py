"""The out-of-band invitations a native agent makes, and which DID exchange requests answer one of them."""

from __future__ import annotations

import json
import uuid

from mediator_tui.agents.native import didexchange
from mediator_tui.agents.native.keys import did_key_url
from mediator_tui.common.b64url import b64url_encode

INVITATIONS_KEPT = 100  # our own invitations a request may still answer


class OwnInvitations:
    __slots__ = ("_ids",)

    def __init__(self) -> None:
        self._ids: dict[str, None] = {}  # insertion-ordered, so the oldest can go

    def create(self, label: str, recipient_key: bytes, endpoint: str, routing_keys: tuple[bytes, ...]) -> str:
        """A new invitation URL to reach `recipient_key` at `endpoint` through `routing_keys`."""
        invitation_id = str(uuid.uuid4())
        invitation = {
            "@type": "https://didcomm.org/out-of-band/1.1/invitation",
            "@id": invitation_id,
            "label": label,
            "handshake_protocols": ["https://didcomm.org/didexchange/1.1", "https://didcomm.org/didexchange/1.0"],
            "services": [
                {
                    "id": "#inline",
                    "type": "did-communication",
                    "recipientKeys": [did_key_url(recipient_key)],
                    "routingKeys": [did_key_url(k) for k in routing_keys],
                    "serviceEndpoint": endpoint,
                }
            ],
        }
        self._ids[invitation_id] = None
        if len(self._ids) > INVITATIONS_KEPT:
            del self._ids[next(iter(self._ids))]
        return f"{endpoint}?oob={b64url_encode(json.dumps(invitation).encode())}"

    def answered_by(self, request: dict) -> bool:
        """Whether a DID exchange request names one of the invitations still kept."""
        return didexchange.invitation_id_of(request) in self._ids
