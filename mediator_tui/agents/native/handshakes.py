"""The handshakes that make a connection: the invitee's side of connections/1.0 (Aries RFC 0160) and of DID
exchange 1.0 / 1.1 (RFC 0023), and where the inviter answers a DID exchange request (the answer itself is
`didexchange.response`).

Which messages to send and how to read the answers, their signatures checked; the agent sends them, waits
and keeps the connection.
"""

from __future__ import annotations

from mediator_tui.agents.interface import ProtocolError
from mediator_tui.agents.native import connections, didexchange, trustping
from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.invitation import ParsedInvitation
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.common.invitation import InvitationError


class Handshake:
    """Ours with one invitation: the request, the services of the answer, the message that completes it."""

    __slots__ = ("invitation", "protocol")

    def __init__(self, protocol: str, invitation: ParsedInvitation):
        self.protocol = protocol
        self.invitation = invitation

    def request(self, label: str, key: KeyPair, endpoint: str, routing_keys: tuple[bytes, ...]) -> dict:
        raise NotImplementedError

    def their_services(self, response: dict) -> list[dids.Service]:
        """The inviter's services, from its answer once its signature by the invitation key is checked;
        a DecodeError (SignatureError for a signature) naming the protocol and what is wrong."""
        try:
            return self._services_of(response)
        except DecodeError as exc:
            raise type(exc)(f"{self.protocol} response: {exc}") from None

    def _services_of(self, response: dict) -> list[dids.Service]:
        raise NotImplementedError

    def completion(self, response: dict) -> dict:
        raise NotImplementedError


class ConnectionsHandshake(Handshake):
    __slots__ = ()

    def request(self, label: str, key: KeyPair, endpoint: str, routing_keys: tuple[bytes, ...]) -> dict:
        return connections.request(label, key, endpoint, routing_keys)

    def _services_of(self, response: dict) -> list[dids.Service]:
        return connections.their_services(response, self.invitation.recipient_keys[0])

    def completion(self, response: dict) -> dict:
        # connections/1.0 has no complete message: a ping (without answer) moves it to active.
        return trustping.ping(response_requested=False)


class DidExchangeHandshake(Handshake):
    __slots__ = ()

    def request(self, label: str, key: KeyPair, endpoint: str, routing_keys: tuple[bytes, ...]) -> dict:
        did = dids.create_peer2(key.verkey, endpoint, routing_keys)
        return didexchange.request(self.protocol.split("/")[1], self.invitation.id, label, did)

    def _services_of(self, response: dict) -> list[dids.Service]:
        return didexchange.response_services(response, self.invitation.recipient_keys)

    def completion(self, response: dict) -> dict:
        return didexchange.complete(response, self.invitation.id)


def for_invitation(invitation: ParsedInvitation) -> Handshake:
    """The handshake to answer `invitation` with: the first it offers that this engine speaks."""
    try:
        protocol = invitation.handshake()
    except InvitationError as exc:
        raise ProtocolError(str(exc)) from None
    if protocol == "connections/1.0":
        return ConnectionsHandshake(protocol, invitation)
    return DidExchangeHandshake(protocol, invitation)


def requester_service(request: dict) -> dids.Service:
    """Where to answer a DID exchange request to one of our invitations."""
    return dids.preferred(didexchange.their_services(request), websocket=False)
