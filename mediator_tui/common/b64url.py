"""base64url as DIDComm v1 writes it (no padding) and reads it (padded or not).

Straight to binascii (no base64-module layers): an agent decodes seven of these per message received.
"""

from __future__ import annotations

import binascii

_STANDARD_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


class Base64urlError(ValueError):
    """Text that is not base64url; the message says why."""


def b64url_encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_STANDARD_TO_URLSAFE).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding; standard-alphabet input is accepted too."""
    cleaned = text.strip().rstrip("=")
    if len(cleaned) % 4 == 1:
        raise Base64urlError("is not valid base64url (impossible length)")
    try:
        data = cleaned.encode("ascii")
    except UnicodeEncodeError:
        raise Base64urlError("is not valid base64url (not ASCII)") from None
    try:
        return binascii.a2b_base64(data.translate(_URLSAFE_TO_STANDARD) + b"=" * (-len(data) % 4))
    except binascii.Error as exc:
        raise Base64urlError(f"is not valid base64url ({exc})") from None
