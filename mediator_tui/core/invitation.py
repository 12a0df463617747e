"""Decoding DIDComm invitation URLs (`oob=` out-of-band, `c_i=` connections/1.0).

Pure and I/O-free so that configuration checks and the agent engines share it.
Every failure is an `InvitationError` whose message says what is wrong.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# Real invitations are a few KB; anything far beyond is hostile or a paste accident.
MAX_URL_LENGTH = 65536
OOB_TYPE_SUFFIX = "/out-of-band/1.1/invitation"
OOB_TYPE_SUFFIX_10 = "/out-of-band/1.0/invitation"
CONNECTIONS_TYPE_SUFFIX = "/connections/1.0/invitation"


class InvitationError(ValueError):
    pass


@dataclass(frozen=True)
class Invitation:
    kind: str  # "oob" or "c_i"
    message: dict
    url: str


_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding; standard-alphabet input is accepted too.

    Straight to binascii (no base64-module layers): an agent decodes seven of these per message received.
    """
    cleaned = text.strip().rstrip("=")
    if len(cleaned) % 4 == 1:
        raise InvitationError("is not valid base64url (impossible length)")
    try:
        data = cleaned.encode("ascii")
    except UnicodeEncodeError:
        raise InvitationError("is not valid base64url (not ASCII)") from None
    try:
        return binascii.a2b_base64(data.translate(_URLSAFE_TO_STANDARD) + b"=" * (-len(data) % 4))
    except binascii.Error as exc:
        raise InvitationError(f"is not valid base64url ({exc})") from None


def decode_invitation_url(url: str) -> Invitation:
    if not isinstance(url, str) or not url.strip():
        raise InvitationError("is empty")
    if len(url) > MAX_URL_LENGTH:
        raise InvitationError(f"is {len(url)} characters long; at most {MAX_URL_LENGTH} are accepted")
    try:
        query = parse_qs(urlsplit(url.strip()).query, max_num_fields=50)
    except ValueError as exc:
        raise InvitationError(f"has an unreadable query ({exc})") from None
    for kind in ("oob", "c_i"):
        if kind in query:
            encoded = query[kind][0]
            break
    else:
        raise InvitationError("has no oob= or c_i= parameter")
    raw = b64url_decode(encoded)
    try:
        message = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvitationError(f"{kind}= does not decode to JSON ({type(exc).__name__})") from None
    _check_message(kind, message)
    return Invitation(kind=kind, message=message, url=url.strip())


def _check_message(kind: str, message: object) -> None:
    if not isinstance(message, dict):
        raise InvitationError(f"{kind}= decodes to {type(message).__name__}, not a JSON object")
    msg_type = message.get("@type")
    if not isinstance(msg_type, str):
        raise InvitationError(f"{kind}= message has no @type")
    if kind == "oob":
        if not msg_type.endswith((OOB_TYPE_SUFFIX, OOB_TYPE_SUFFIX_10)):
            raise InvitationError(f"oob= message has @type {msg_type!r}, not an out-of-band invitation")
        services = message.get("services")
        if not isinstance(services, list) or not services:
            raise InvitationError("oob= invitation has no services")
        for service in services:
            if isinstance(service, str):
                continue
            if not isinstance(service, dict):
                raise InvitationError("oob= invitation has a service that is neither a DID nor an object")
            _check_keys_and_endpoint("oob= service", service)
    else:
        if not msg_type.endswith(CONNECTIONS_TYPE_SUFFIX):
            raise InvitationError(f"c_i= message has @type {msg_type!r}, not a connections/1.0 invitation")
        if "did" not in message:
            _check_keys_and_endpoint("c_i= invitation", message)


def _check_keys_and_endpoint(where: str, obj: dict) -> None:
    keys = obj.get("recipientKeys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise InvitationError(f"{where} has no recipientKeys list of strings")
    endpoint = obj.get("serviceEndpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise InvitationError(f"{where} has no serviceEndpoint string")
