"""Decoding DIDComm invitation URLs (`oob=` out-of-band, `c_i=` connections/1.0) down to their services.

The one reader of invitations: the config validator, the run's target line and the agent engines all
decode through `decode_invitation_url`; an engine adds only what it alone needs (key bytes, DID
resolution, the handshake it answers with). Pure and I/O-free. Every failure is an `InvitationError`
whose message says what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mediator_tui.common.b64url import Base64urlError, b64url_decode

# Real invitations are a few KB; anything far beyond is hostile or a paste accident.
MAX_URL_LENGTH = 65536
OOB_TYPE_SUFFIX = "/out-of-band/1.1/invitation"
OOB_TYPE_SUFFIX_10 = "/out-of-band/1.0/invitation"
CONNECTIONS_TYPE_SUFFIX = "/connections/1.0/invitation"


class InvitationError(ValueError):
    pass


@dataclass(frozen=True)
class InlineService:
    """A DIDComm v1 service written out in the invitation, keys as written there (did:key or base58)."""

    recipient_keys: tuple[str, ...]
    routing_keys: tuple[str, ...]
    endpoint: str


@dataclass(frozen=True)
class Invitation:
    kind: str  # "oob" or "c_i"
    message: dict
    url: str
    # In the invitation's order. A str is a DID whose document holds the service: an oob= service
    # given as a DID, or the public DID of a c_i= invitation that carries no keys.
    services: tuple[InlineService | str, ...]

    def endpoint(self) -> str | None:
        """The first service endpoint written out in the invitation; None when every service is a DID."""
        return next((s.endpoint for s in self.services if isinstance(s, InlineService)), None)


def decode_invitation_url(url: object) -> Invitation:
    """The invitation in `url` (any value: one that is not a string is refused too); InvitationError says
    what is wrong."""
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
    try:
        raw = b64url_decode(encoded)
    except Base64urlError as exc:
        raise InvitationError(str(exc)) from None
    try:
        message = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvitationError(f"{kind}= does not decode to JSON ({type(exc).__name__})") from None
    services = _oob_services(message) if kind == "oob" else _connections_services(message)
    return Invitation(kind=kind, message=message, url=url.strip(), services=services)


def _oob_services(message: object) -> tuple[InlineService | str, ...]:
    message, msg_type = _typed_message("oob", message)
    if not msg_type.endswith((OOB_TYPE_SUFFIX, OOB_TYPE_SUFFIX_10)):
        raise InvitationError(f"oob= message has @type {msg_type!r}, not an out-of-band invitation")
    services = message.get("services")
    if not isinstance(services, list) or not services:
        raise InvitationError("oob= invitation has no services")
    read: list[InlineService | str] = []
    for service in services:
        if isinstance(service, str):
            read.append(service)
        elif isinstance(service, dict):
            read.append(_inline_service("oob= service", service))
        else:
            raise InvitationError("oob= invitation has a service that is neither a DID nor an object")
    return tuple(read)


def _connections_services(message: object) -> tuple[InlineService | str, ...]:
    message, msg_type = _typed_message("c_i", message)
    if not msg_type.endswith(CONNECTIONS_TYPE_SUFFIX):
        raise InvitationError(f"c_i= message has @type {msg_type!r}, not a connections/1.0 invitation")
    if "recipientKeys" in message or "did" not in message:
        return (_inline_service("c_i= invitation", message),)
    did = message["did"]
    if not isinstance(did, str) or not did:
        raise InvitationError("c_i= invitation has a did that is not a string")
    return (did,)


def _typed_message(kind: str, message: object) -> tuple[dict[str, Any], str]:
    """The message as an object, and its @type."""
    if not isinstance(message, dict):
        raise InvitationError(f"{kind}= decodes to {type(message).__name__}, not a JSON object")
    msg_type = message.get("@type")
    if not isinstance(msg_type, str):
        raise InvitationError(f"{kind}= message has no @type")
    return message, msg_type


def _inline_service(where: str, obj: dict) -> InlineService:
    keys = obj.get("recipientKeys")
    if not isinstance(keys, list) or not keys or not _strings(keys):
        raise InvitationError(f"{where} has no recipientKeys list of strings")
    routing = obj.get("routingKeys", [])
    if not isinstance(routing, list) or not _strings(routing):
        raise InvitationError(f"{where} has a routingKeys that is not a list of strings")
    endpoint = obj.get("serviceEndpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise InvitationError(f"{where} has no serviceEndpoint string")
    return InlineService(tuple(keys), tuple(routing), endpoint)


def _strings(values: list) -> bool:
    return all(isinstance(value, str) for value in values)
