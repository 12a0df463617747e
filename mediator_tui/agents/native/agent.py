"""NativeAgent: one agent (a wallet at the mediator) as a few kilobytes of state and no greenlet of its own while idle.

Everything runs on gevent primitives, so the agent cooperates with a Locust worker's hub and also works in
an unpatched process (tests, bench). Every wait is bounded by the agent's timeout. Inbound messages are
handled in the mediator link's read callback, in the hub: handling never waits, replies go out from
greenlets of their own.

The agent wires its parts: `messaging` (its shared state, how its messages go out and replies are
awaited), `handshakes` (how a DIDComm connection is made), `connection_records` (its
connections and keys), `dispatcher` (what becomes of each inbound message), `reply_waiters` (who waits for
which reply), `pickup_strategy` (how messages held by the mediator reach us); the protocol modules build and
read the messages.
"""

from __future__ import annotations

from collections.abc import Callable

from mediator_tui.agents.interface import (
    AgentError,
    AgentTimeout,
    ProblemReport,
    ProtocolError,
    ReceivedMessage,
    StartOptions,
)
from mediator_tui.agents.native import (
    basicmessage,
    didexchange,
    handshakes,
    issuecredential,
    mediation,
    trustping,
)
from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.agent_stats import AgentStats
from mediator_tui.agents.native.connection_records import Connection, ConnectionRecords
from mediator_tui.agents.native.dispatcher import MessageDispatcher
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.inbound import InboundEndpoint
from mediator_tui.agents.native.invitation import ParsedInvitation, parse_invitation_url
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import family_and_name, thread_id
from mediator_tui.agents.native.messaging import AgentMessaging
from mediator_tui.agents.native.own_invitations import OwnInvitations
from mediator_tui.agents.native.pickup_strategy import PickupStrategy
from mediator_tui.agents.native.reply_greenlets import ReplyGreenlets
from mediator_tui.agents.native.reply_waiters import ReplyWaiters, thread_key, type_key
from mediator_tui.agents.native.transport import BACKOFF, MediatorLink, reconnect_policy
from mediator_tui.agents.native.wallet_record import WalletRecord
from mediator_tui.common.invitation import InvitationError

# The endpoint our mediator-facing DID advertises: we have none, replies come down the return route.
RETURN_ROUTE_ENDPOINT = "didcomm:transport/queue"


class NativeAgent(AgentMessaging):
    __slots__ = ()

    def __init__(self, timeout: float = 120.0, label: str = "mediator-tui native agent"):
        self.timeout = timeout
        self.label = label
        self.stats = AgentStats()
        self._records = ConnectionRecords()
        self._waiters = ReplyWaiters()
        self._greenlets = ReplyGreenlets(lambda: self.timeout, self.stats)
        self._dispatcher = MessageDispatcher(
            self._records,
            self._waiters,
            self.stats,
            spawn=self._greenlets.spawn,
            send=self._send,
            answer_request=self._answer_didexchange_request,
            is_our_invitation=self._is_our_invitation,
            polling_sender=self._polling_sender,
        )
        self._link: MediatorLink | None = None
        self._mediator: Connection | None = None
        self._mediator_endpoints: tuple[str, ...] = ()
        self._grant_endpoint = ""
        self._grant_routing_keys: tuple[bytes, ...] = ()
        self._inbound_key: KeyPair | None = None
        self._invitations = OwnInvitations()
        self._alive = False
        self._shut = False
        self._pickup: PickupStrategy  # set by start(), before anything waits
        self._endpoint: InboundEndpoint | None = None
        self._death_callback: Callable[[], None] | None = None
        self._reconnect_policy = BACKOFF

    # ----------------------------------------------------------------- Agent interface

    def start(self, options: StartOptions) -> None:
        if self._alive or self._shut:
            raise ProtocolError("agent already started; make a new agent")
        self._take_options(options)
        if not options.with_mediation:
            # Without a port, replies can only come back on the return route of our own requests.
            if options.port:
                self._endpoint = InboundEndpoint(options.agent_ip, options.port, self._dispatcher.on_envelope)
                self._inbound_key = self._records.new_key()
            self._alive = True
            return
        try:
            with self._deadline("onboarding with the mediator"):
                self._onboard(options)
        except BaseException:
            self.shutdown()  # a half-onboarded agent holds a socket; it cannot be started again anyway
            raise

    def _take_options(self, options: StartOptions) -> None:
        self._pickup = self._dispatcher.pickup = PickupStrategy(options.pickup_strategy, self.stats)
        self._reconnect_policy = reconnect_policy(options.reconnect_policy)

    def resume(self, wallet: dict, options: StartOptions) -> None:
        if self._alive or self._shut:
            raise ProtocolError("agent already started; make a new agent")
        try:
            record = WalletRecord.from_json(wallet)
        except DecodeError as exc:
            raise ProtocolError(f"saved wallet: {exc}") from None
        self._take_options(options)
        try:
            with self._deadline("reconnecting a saved wallet"):
                self._reconnect(record)
        except BaseException:
            self.shutdown()
            raise

    def _reconnect(self, record: WalletRecord) -> None:
        """Come back as a saved wallet: reopen the link, prove the mediator still knows the mediator connection
        (a trust ping it answers), then pick up as the strategy says. No handshake, no mediation request."""
        mediator = Connection(self._records.adopt_key(record.mediator_key), record.mediator_service)
        self._records.add(mediator)
        self._mediator = mediator
        self._grant_endpoint, self._grant_routing_keys = record.grant_endpoint, record.grant_routing_keys
        self._inbound_key = self._records.adopt_key(record.inbound_key)
        self._dispatcher.to_mediator_later = self._to_mediator_later
        self._open_link(mediator.endpoint)
        self._mediator_endpoints += (self._grant_endpoint,)
        self._alive = True
        try:
            self._request(mediator, trustping.ping(response_requested=True), "trust ping response from the mediator")
        except AgentTimeout as exc:
            # A mediator that cannot unpack what is packed for its connection key stays silent (ACA-Py does). A link
            # reset meanwhile is no such sign (a mediator restarting drops it too): it stays a TransportError.
            raise ProblemReport(
                f"the mediator at {mediator.endpoint} did not answer the saved wallet {record.mediator_key.did_key}'s "
                f"trust ping ({exc}): it may no longer know it (its wallet was reset, or it is another mediator)"
            ) from None
        self._pickup.negotiate(self._request_of_mediator, self._to_mediator)

    def saved_wallet(self) -> dict:
        if self._mediator is None or self._inbound_key is None or not self._grant_endpoint:
            raise ProtocolError("only an agent that onboarded with a mediator has a wallet to save")
        mediator = self._mediator
        service = dids.Service((mediator.their_key,), mediator.routing_keys, mediator.endpoint)
        record = WalletRecord(
            mediator.my_key, service, self._grant_endpoint, self._grant_routing_keys, self._inbound_key
        )
        return record.to_json()

    def _onboard(self, options: StartOptions) -> None:
        invitation = _parse(options.mediation_url)
        self._mediator_endpoints = (invitation.endpoint,)
        self._mediator = self._handshake(invitation, RETURN_ROUTE_ENDPOINT, (), to_mediator=True)
        self._dispatcher.to_mediator_later = self._to_mediator_later
        self._alive = True
        grant = self._request_mediation()
        try:
            self._grant_endpoint, self._grant_routing_keys = mediation.parse_grant(grant)
        except DecodeError as exc:
            raise ProtocolError(str(exc)) from None
        self._mediator_endpoints += (self._grant_endpoint,)
        self._inbound_key = self._records.new_key()
        self._add_route(self._inbound_key)
        self._pickup.negotiate(self._request_of_mediator, self._to_mediator)

    def _request_mediation(self) -> dict:
        """mediate-request, answered by a grant (no ~thread: matched by type), a deny or a problem report."""
        request = mediation.mediate_request()
        keys = (type_key(*mediation.GRANT), type_key(*mediation.DENY), thread_key(request["@id"]))
        answer = self._waiters.expect(*keys)
        try:
            if self._send(self._mediator_connection(), request):
                self._waiters.sent_on_link("mediate-grant", *keys)
            reply = self._wait(answer, "mediate-grant")
        finally:
            self._waiters.forget(*keys)
        if family_and_name(reply) == mediation.DENY:
            raise ProblemReport("the mediator denied mediation (mediate-deny)")
        return reply

    def ping_mediator(self) -> None:
        mediator = self._require_mediator()
        ping = trustping.ping(response_requested=True)
        self._request(mediator, ping, "trust ping response from the mediator")

    def receive_invitation(self, invitation_url: str) -> str:
        self._require_alive()
        with self._deadline("connecting to the invitation"):
            invitation = _parse(invitation_url)
            my_key = self._records.new_key()
            self._add_route(my_key)
            connection = self._handshake(invitation, *self._my_service(), key=my_key)
        return connection.id

    def create_invitation(self) -> str:
        self._require_alive()
        if self._inbound_key is None:
            raise ProtocolError("an agent without mediator and without a port cannot be reached: no invitation")
        return self._invitations.create(self.label, self._inbound_key.verkey, *self._my_service())

    def send_message(self, connection_id: str, content: str) -> None:
        self._require_alive()
        connection = self._records.get(connection_id)
        if connection is None:
            raise ProtocolError(f"no connection {connection_id!r} on this agent")
        with self._deadline("sending a basic message"):
            self._send(connection, basicmessage.basic_message(content))

    def receive_message(self, timeout: float | None = None) -> ReceivedMessage:
        self._require_alive()
        wait = self.timeout if timeout is None else timeout
        return self._dispatcher.next_unsolicited(self._dispatcher.inbox, "basic message", wait)

    def receive_credential(self) -> dict:
        self._require_alive()
        connection, offer = self._dispatcher.next_unsolicited(self._dispatcher.offers, "credential offer", self.timeout)
        with self._deadline("receiving a credential"):
            try:
                request = issuecredential.request_for(offer)
            except DecodeError as exc:
                raise ProtocolError(f"credential offer: {exc}") from None
            issued = self._request(connection, request, "issued credential", thid=thread_id(offer))
            try:
                credential = issuecredential.credential_of(issued)
            except DecodeError as exc:
                raise ProtocolError(f"issued credential: {exc}") from None
            self._send(connection, issuecredential.ack(issued))
        return credential

    def go_offline(self) -> None:
        self._require_mediator()
        if self._link is not None:
            self._link.close()

    def come_online(self) -> None:
        self._require_mediator()
        if self._link is None:
            raise ProtocolError("this agent has no websocket to its mediator to reopen")
        with self._deadline("coming back online"):
            self._link.reopen()
            self._pickup.collect(self._to_mediator)

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self._alive = False
        if self._link is not None:
            self._link.close()
        if self._endpoint is not None:
            self._endpoint.close()
        self._greenlets.kill_all()
        self._waiters.fail_all(AgentError("agent shut down"))

    @property
    def alive(self) -> bool:
        return self._alive

    @property
    def crash_reason(self) -> str:
        """Why the agent died on its own (its mediator link gave up); empty while alive or after a shutdown."""
        return self._link.dead_reason if self._link is not None else ""

    @property
    def reconnects(self) -> int:
        return self._link.reconnects if self._link is not None else 0

    @property
    def pickup_messages(self) -> dict[str, int]:
        return dict(self.stats.pickup_messages)

    @property
    def inbound_verkey(self) -> bytes | None:
        """The key other agents reach this one by through the mediator (registered in its keylist)."""
        return self._inbound_key.verkey if self._inbound_key is not None else None

    @property
    def connection_ids(self) -> list[str]:
        return self._records.ids(excluding=self._mediator)

    # ----------------------------------------------------------------- handshakes

    def _handshake(
        self,
        invitation: ParsedInvitation,
        my_endpoint: str,
        my_routing_keys: tuple[bytes, ...],
        key: KeyPair | None = None,
        to_mediator: bool = False,
    ) -> Connection:
        handshake = handshakes.for_invitation(invitation)
        my_key = key or self._records.new_key()
        invitation_party = Connection(
            my_key,
            dids.Service(invitation.recipient_keys, invitation.routing_keys, invitation.endpoint),
            state="invited",
        )
        request = handshake.request(self.label, my_key, my_endpoint, my_routing_keys)
        if to_mediator and invitation.endpoint.startswith(("ws://", "wss://")):
            # a mediator inviting on a websocket (Credo does) answers on it: it becomes our link
            self._open_link(invitation.endpoint)
        # Over HTTP the mediator answers the first handshake on the POST (return route), before any socket.
        response = self._request(invitation_party, request, f"{handshake.protocol} response")
        service = dids.preferred(handshake.their_services(response), websocket=to_mediator)
        connection = Connection(my_key, service)
        self._records.add(connection)
        if to_mediator:
            self._mediator_endpoints += (service.endpoint,)
            if self._link is None:
                self._open_link(service.endpoint)
        self._send(connection, handshake.completion(response))
        return connection

    def _answer_didexchange_request(self, request: dict, invitation_key: KeyPair) -> None:
        """Responder side for our own invitations: a new key, routed, for the new connection."""
        service = handshakes.requester_service(request)
        my_key = self._records.new_key()
        self._add_route(my_key)
        connection = Connection(my_key, service, state="responded")
        self._records.add(connection)
        self._send(connection, didexchange.response(request, my_key, *self._my_service(), invitation_key))

    # ----------------------------------------------------------------- mediation and pickup

    def _my_service(self) -> tuple[str, tuple[bytes, ...]]:
        """(endpoint, routing keys) others reach this agent by: the mediator's, our own port, or none."""
        if self._mediator is not None:
            return self._grant_endpoint, self._grant_routing_keys
        return (self._endpoint.url if self._endpoint is not None else RETURN_ROUTE_ENDPOINT), ()

    def _add_route(self, key: KeyPair) -> None:
        """Ask the mediator to route messages for `key` to us (nothing to do without a mediator)."""
        if self._mediator is None:
            return
        update = mediation.keylist_update([key.verkey])
        answer = self._request(self._mediator, update, "keylist-update response")
        mediation.check_keylist_update_response(answer, [key.verkey])

    def _is_our_invitation(self, recipient_verkey: bytes, request: dict) -> bool:
        return (
            self._inbound_key is not None
            and recipient_verkey == self._inbound_key.verkey
            and self._invitations.answered_by(request)
        )


def _parse(url: str) -> ParsedInvitation:
    try:
        return parse_invitation_url(url)
    except (DecodeError, InvitationError) as exc:
        raise ProtocolError(f"invitation: {exc}") from None
