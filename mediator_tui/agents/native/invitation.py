"""What a DIDComm v1 client needs from an invitation: recipient keys, routing keys, endpoint, handshake.

Decoding the URL and reading its services is `mediator_tui.common.invitation` (shared with the core);
this module turns them into key bytes and one endpoint, resolving a service given as a DID. Pure and free of
I/O and gevent. Every failure is an `InvitationError` (a ValueError).
"""

from __future__ import annotations

from dataclasses import dataclass

from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.keys import key_from_reference
from mediator_tui.common.invitation import InlineService, Invitation, InvitationError, decode_invitation_url

DIDCOMM_PREFIX = "https://didcomm.org/"
_LEGACY_PREFIX = "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/"
SUPPORTED_HANDSHAKES = ("didexchange/1.1", "didexchange/1.0", "connections/1.0")


@dataclass(frozen=True)
class ParsedInvitation:
    kind: str  # "oob" or "c_i"
    id: str
    label: str
    handshake_protocols: tuple[str, ...]  # normalised to https://didcomm.org/...
    recipient_keys: tuple[bytes, ...]
    routing_keys: tuple[bytes, ...]
    endpoint: str

    def handshake(self) -> str:
        """The protocol (e.g. `didexchange/1.1`) to answer with: the first offered one this engine speaks."""
        offered = [p[len(DIDCOMM_PREFIX) :] for p in self.handshake_protocols]
        for protocol in offered:
            if protocol in SUPPORTED_HANDSHAKES:
                return protocol
        raise InvitationError(f"offers handshake protocols {offered}; this engine speaks {list(SUPPORTED_HANDSHAKES)}")


def normalise_type(message_type: object) -> str:
    """`@type` with the legacy `did:sov:...;spec/` prefix rewritten to https://didcomm.org/."""
    if not isinstance(message_type, str):
        return ""
    if message_type.startswith(_LEGACY_PREFIX):
        return DIDCOMM_PREFIX + message_type[len(_LEGACY_PREFIX) :]
    return message_type


def parse_invitation_url(url: str) -> ParsedInvitation:
    invitation = decode_invitation_url(url)
    if invitation.kind == "oob":
        return _parse_oob(invitation)
    return _parse_connections(invitation)


def _parse_oob(invitation: Invitation) -> ParsedInvitation:
    message = invitation.message
    protocols = message.get("handshake_protocols")
    if not isinstance(protocols, list) or not protocols or not all(isinstance(p, str) for p in protocols):
        raise InvitationError("oob= invitation has no handshake_protocols (connectionless is not supported)")
    problems = []
    for service in invitation.services:
        try:
            resolved = _oob_service(service)
        except (DecodeError, InvitationError) as exc:
            problems.append(str(exc))
            continue
        return ParsedInvitation(
            "oob",
            _id(message),
            _label(message),
            tuple(normalise_type(p) for p in protocols),
            resolved.recipient_keys,
            resolved.routing_keys,
            resolved.endpoint,
        )
    raise InvitationError("oob= invitation has no usable service: " + "; ".join(problems))


def _oob_service(service: InlineService | str) -> dids.Service:
    if isinstance(service, str):
        return dids.preferred(dids.resolve(service), websocket=False)
    return _inline(service)


def _parse_connections(invitation: Invitation) -> ParsedInvitation:
    message = invitation.message
    (service,) = invitation.services
    if isinstance(service, str):
        raise InvitationError(
            "c_i= invitation names a public DID; this engine needs recipientKeys and "
            "serviceEndpoint (it reads no ledger)"
        )
    invitation_id, label = _id(message), _label(message)
    resolved = _inline(service)
    return ParsedInvitation(
        "c_i",
        invitation_id,
        label,
        (DIDCOMM_PREFIX + "connections/1.0",),
        resolved.recipient_keys,
        resolved.routing_keys,
        resolved.endpoint,
    )


def _inline(service: InlineService) -> dids.Service:
    return dids.Service(
        _keys(service.recipient_keys, "recipientKeys"),
        _keys(service.routing_keys, "routingKeys"),
        _endpoint(service.endpoint),
    )


def _keys(refs: tuple[str, ...], name: str) -> tuple[bytes, ...]:
    try:
        return tuple(key_from_reference(ref) for ref in refs)
    except DecodeError as exc:
        raise InvitationError(f"{name}: {exc}") from None


def _endpoint(endpoint: str) -> str:
    if not endpoint.startswith(("http://", "https://", "ws://", "wss://")):
        raise InvitationError(f"serviceEndpoint {endpoint[:80]!r} is not an http(s) or ws(s) URL")
    return endpoint


def _id(message: dict) -> str:
    value = message.get("@id")
    if not isinstance(value, str) or not value:
        raise InvitationError("invitation has no @id")
    return value


def _label(message: dict) -> str:
    label = message.get("label", "")
    return label if isinstance(label, str) else ""
