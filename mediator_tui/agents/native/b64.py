"""base64url as DIDComm v1 writes it: no padding (reading is `mediator_tui.core.invitation.b64url_decode`)."""

from __future__ import annotations

import binascii

_STANDARD_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64url_encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_STANDARD_TO_URLSAFE).rstrip(b"=").decode("ascii")
