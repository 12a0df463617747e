"""base64url as DIDComm v1 writes it: no padding (reading is `mediator_tui.core.invitation.b64url_decode`)."""

from __future__ import annotations

import base64


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
