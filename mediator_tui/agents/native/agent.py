"""NativeAgent: one simulated wallet as a few kilobytes of state and no greenlet of its own while idle.

Everything runs on gevent primitives, so the agent cooperates with a Locust worker's hub and also works in
an unpatched process (tests, bench). Every wait is bounded by the agent's timeout. Inbound messages are
handled in the mediator link's read callback, in the hub: handling never waits, replies go out from
greenlets of their own.
"""

from __future__ import annotations

import collections
import json
import time
import uuid
from collections.abc import Callable

import gevent
import gevent.event

from mediator_tui.agents.interface import (
    Agent, AgentCrashed, AgentError, AgentTimeout, ProblemReport, ProtocolError, ReceivedMessage, StartOptions,
    TransportError,
)
from mediator_tui.agents.native import (
    basicmessage, connections, didexchange, discovery, issuecredential, mediation, pickup, trustping, wire_json,
)
from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.envelope import pack, unpack
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.inbound import InboundEndpoint
from mediator_tui.agents.native.invitation import ParsedInvitation, parse_invitation_url
from mediator_tui.agents.native.keys import KeyPair, did_key_url
from mediator_tui.agents.native.messages import family_and_name, problem_text, thread_id
from mediator_tui.agents.native.routing import wrap_for_routing
from mediator_tui.agents.native.transport import MediatorLink, send_once
from mediator_tui.common.b64url import b64url_encode
from mediator_tui.common.invitation import InvitationError

# The endpoint our mediator-facing DID advertises: we have none, replies come down the return route.
RETURN_ROUTE_ENDPOINT = "didcomm:transport/queue"
INBOX_LIMIT = 1000
INVITATIONS_KEPT = 100  # our own invitations a request may still answer
PICKUP_POLL_FIRST_SECONDS = 1.0
PICKUP_POLL_MAX_SECONDS = 8.0


class Connection:
    __slots__ = ("id", "my_key", "their_key", "routing_keys", "endpoint", "state")

    def __init__(self, my_key: KeyPair, service: dids.Service, state: str = "completed"):
        self.id = str(uuid.uuid4())
        self.my_key = my_key
        self.their_key = service.recipient_keys[0]
        self.routing_keys = service.routing_keys
        self.endpoint = service.endpoint
        self.state = state


class AgentStats:
    """Counters a worker reports; plain ints so reading them costs nothing."""

    __slots__ = ("unpack_errors", "unhandled", "inbox_dropped", "pickup_polls", "pickup", "last_problem")

    def __init__(self):
        self.unpack_errors = self.unhandled = self.inbox_dropped = self.pickup_polls = 0
        self.pickup = ""
        self.last_problem = ""


class NativeAgent(Agent):
    __slots__ = ("timeout", "label", "stats", "_keys", "_connections", "_by_my_key", "_waiters", "_inbox",
                 "_inbox_waiter", "_offers", "_link", "_mediator", "_mediator_endpoints", "_grant_endpoint",
                 "_grant_routing_keys", "_inbound_key", "_invitation_ids", "_alive", "_shut", "_pickup",
                 "_greenlets", "_endpoint", "_death_callback")

    def __init__(self, timeout: float = 120.0, label: str = "mediator-tui native agent"):
        self.timeout = timeout
        self.label = label
        self.stats = AgentStats()
        self._keys: dict[bytes, KeyPair] = {}
        self._connections: dict[str, Connection] = {}
        self._by_my_key: dict[bytes, Connection] = {}
        self._waiters: dict[str, gevent.event.AsyncResult] = {}
        self._inbox: collections.deque = collections.deque()
        self._inbox_waiter: gevent.event.AsyncResult | None = None
        self._offers: collections.deque = collections.deque()
        self._link: MediatorLink | None = None
        self._mediator: Connection | None = None
        self._mediator_endpoints: tuple[str, ...] = ()
        self._grant_endpoint = ""
        self._grant_routing_keys: tuple[bytes, ...] = ()
        self._inbound_key: KeyPair | None = None
        self._invitation_ids: dict[str, None] = {}  # insertion-ordered, so the oldest can go
        self._alive = False
        self._shut = False
        self._pickup = "implicit"
        self._greenlets: set = set()
        self._endpoint: InboundEndpoint | None = None
        self._death_callback: Callable[[], None] | None = None

    # ----------------------------------------------------------------- Agent interface

    def start(self, options: StartOptions) -> None:
        if self._alive or self._shut:
            raise ProtocolError("agent already started; make a new agent")
        self._pickup = self.stats.pickup = pickup.strategy(options.pickup_strategy)
        if not options.with_mediation:
            # Without a port, replies can only come back on the return route of our own requests.
            if options.port:
                self._endpoint = InboundEndpoint(options.agent_ip, options.port, self._on_envelope)
                self._inbound_key = self._new_key()
            self._alive = True
            return
        try:
            with self._deadline("onboarding with the mediator"):
                self._onboard(options)
        except BaseException:
            self.shutdown()  # a half-onboarded agent holds a socket; it cannot be started again anyway
            raise

    def _onboard(self, options: StartOptions) -> None:
        invitation = _parse(options.mediation_url)
        self._mediator_endpoints = (invitation.endpoint,)
        self._mediator = self._handshake(invitation, RETURN_ROUTE_ENDPOINT, (), to_mediator=True)
        self._alive = True
        grant = self._request_mediation()
        try:
            self._grant_endpoint, self._grant_routing_keys = mediation.parse_grant(grant)
        except DecodeError as exc:
            raise ProtocolError(str(exc)) from None
        self._mediator_endpoints += (self._grant_endpoint,)
        self._inbound_key = self._new_key()
        self._add_route(self._inbound_key)
        if self._pickup != "implicit":
            self._start_pickup_v2()

    def _request_mediation(self) -> dict:
        """mediate-request, answered by a grant (no ~thread: matched by type), a deny or a problem report."""
        request = mediation.mediate_request()
        keys = ["type:" + message_type_key(*mediation.GRANT), "type:" + message_type_key(*mediation.DENY),
                "thid:" + request["@id"]]
        answer = gevent.event.AsyncResult()
        for key in keys:
            self._waiters[key] = answer
        try:
            self._send(self._mediator, request)
            reply = self._wait_polling(answer, self.timeout, "mediate-grant")
        finally:
            for key in keys:
                self._waiters.pop(key, None)
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
            my_key = self._new_key()
            self._add_route(my_key)
            connection = self._handshake(invitation, *self._my_service(), key=my_key)
        return connection.id

    def create_invitation(self) -> str:
        self._require_alive()
        if self._inbound_key is None:
            raise ProtocolError("an agent without mediator and without a port cannot be reached: no invitation")
        endpoint, routing_keys = self._my_service()
        invitation_id = str(uuid.uuid4())
        invitation = {
            "@type": "https://didcomm.org/out-of-band/1.1/invitation",
            "@id": invitation_id,
            "label": self.label,
            "handshake_protocols": ["https://didcomm.org/didexchange/1.1", "https://didcomm.org/didexchange/1.0"],
            "services": [{
                "id": "#inline",
                "type": "did-communication",
                "recipientKeys": [did_key_url(self._inbound_key.verkey)],
                "routingKeys": [did_key_url(k) for k in routing_keys],
                "serviceEndpoint": endpoint,
            }],
        }
        self._invitation_ids[invitation_id] = None
        if len(self._invitation_ids) > INVITATIONS_KEPT:
            del self._invitation_ids[next(iter(self._invitation_ids))]
        return f"{endpoint}?oob={b64url_encode(json.dumps(invitation).encode())}"

    def send_message(self, connection_id: str, content: str) -> None:
        self._require_alive()
        connection = self._connections.get(connection_id)
        if connection is None:
            raise ProtocolError(f"no connection {connection_id!r} on this agent")
        with self._deadline("sending a basic message"):
            self._send(connection, basicmessage.basic_message(content))

    def receive_message(self) -> ReceivedMessage:
        return self._next_unsolicited(self._inbox, "basic message")

    def receive_credential(self) -> dict:
        connection, offer = self._next_unsolicited(self._offers, "credential offer")
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

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self._alive = False
        if self._link is not None:
            self._link.close()
        if self._endpoint is not None:
            self._endpoint.close()
        for greenlet in list(self._greenlets):
            greenlet.kill(block=False)
        self._fail_waiters(AgentError("agent shut down"))

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
    def inbound_verkey(self) -> bytes | None:
        """The key other agents reach this one by through the mediator (registered in its keylist)."""
        return self._inbound_key.verkey if self._inbound_key is not None else None

    @property
    def connection_ids(self) -> list[str]:
        return [c.id for c in self._connections.values() if c is not self._mediator]

    # ----------------------------------------------------------------- handshakes

    def _handshake(self, invitation: ParsedInvitation, my_endpoint: str, my_routing_keys: tuple[bytes, ...],
                   key: KeyPair | None = None, to_mediator: bool = False) -> Connection:
        try:
            protocol = invitation.handshake()
        except InvitationError as exc:
            raise ProtocolError(str(exc)) from None
        my_key = key or self._new_key()
        invitation_party = Connection(my_key, dids.Service(invitation.recipient_keys, invitation.routing_keys,
                                                           invitation.endpoint), state="invited")
        if protocol == "connections/1.0":
            request = connections.request(self.label, my_key, my_endpoint, my_routing_keys)
        else:
            did = dids.create_peer2(my_key.verkey, my_endpoint, my_routing_keys)
            request = didexchange.request(protocol.split("/")[1], invitation.id, self.label, did)
        if to_mediator and invitation.endpoint.startswith(("ws://", "wss://")):
            # a mediator inviting on a websocket (Credo does) answers on it: it becomes our link
            self._open_link(invitation.endpoint)
        # Over HTTP the mediator answers the first handshake on the POST (return route), before any socket.
        response = self._request(invitation_party, request, f"{protocol} response")
        try:
            if protocol == "connections/1.0":
                services = connections.their_services(response, invitation.recipient_keys[0])
            else:
                services = didexchange.their_services(response)
        except DecodeError as exc:
            raise ProtocolError(f"{protocol} response: {exc}") from None
        service = dids.preferred(services, websocket=to_mediator)
        connection = Connection(my_key, service)
        self._remember(connection)
        if to_mediator:
            self._mediator_endpoints += (service.endpoint,)
            if self._link is None:
                self._open_link(service.endpoint)
        if protocol == "connections/1.0":
            # connections/1.0 has no complete message: a ping (without answer) moves it to active.
            self._send(connection, trustping.ping(response_requested=False))
        else:
            self._send(connection, didexchange.complete(response, invitation.id))
        return connection

    def _answer_didexchange_request(self, request: dict, invitation_key: KeyPair) -> None:
        """Responder side for our own invitations: new key, route it, answer with our did:peer:2."""
        services = didexchange.their_services(request)
        my_key = self._new_key()
        self._add_route(my_key)
        did = dids.create_peer2(my_key.verkey, *self._my_service())
        connection = Connection(my_key, dids.preferred(services, websocket=False), state="responded")
        self._remember(connection)
        self._send(connection, didexchange.response(request, did, invitation_key))

    # ----------------------------------------------------------------- mediation and pickup

    def _open_link(self, endpoint: str) -> None:
        if not endpoint.startswith(("ws://", "wss://")):
            raise TransportError(f"mediator offers no websocket endpoint (only {endpoint}); this engine keeps "
                                 "a websocket open to receive")
        self._mediator_endpoints += (endpoint,)
        self._link = MediatorLink(endpoint, self.timeout, self._on_envelope, self._on_reconnect, self._on_link_dead)
        self._link.open()

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

    def _start_pickup_v2(self) -> None:
        disclose = self._request(self._mediator, discovery.query("messagepickup/*"), "discover-features disclose")
        if not discovery.offers(disclose, pickup.PROTOCOL_PREFIX):
            # The mediator (ACA-Py core, for one) offers no pickup v2: its return route is all there is.
            self.stats.pickup = "implicit (mediator offers no messagepickup/2.0)"
            self._pickup = "implicit"
            return
        self.stats.pickup = self._pickup
        if self._pickup == "pickup_v2_live":
            self._send(self._mediator, pickup.live_delivery_change(True))
        # the status answer also tells us the mediator has taken the live-delivery change (same socket, in order)
        self._request(self._mediator, pickup.status_request(), "pickup status")

    def _on_reconnect(self) -> None:
        try:
            with gevent.Timeout(self.timeout, AgentTimeout("re-announcing the return route timed out")):
                if self._pickup == "pickup_v2_live":
                    self._send(self._mediator, pickup.live_delivery_change(True))
                else:
                    # any message with return_route tells the mediator this socket is ours again
                    self._send(self._mediator, trustping.ping(response_requested=False))
        except AgentError as exc:
            self.stats.last_problem = f"after reconnect: {exc}"

    def _on_link_dead(self, reason: str) -> None:
        self._alive = False
        self._fail_waiters(TransportError(reason))
        if not self._shut:
            self._report_death()

    def _poll_pickup(self) -> None:
        """Ask the mediator for what it holds for us.

        Implicit pickup needs this too: ACA-Py buffers one reply per socket; a message that arrives while
        the buffer is busy is queued and only sent after our next inbound message on that socket.
        """
        self.stats.pickup_polls += 1
        if self._pickup == "pickup_v2":
            self._send(self._mediator, pickup.delivery_request())
        else:
            self._send(self._mediator, trustping.ping(response_requested=False))

    # ----------------------------------------------------------------- sending and waiting

    def _send(self, connection: Connection, msg: dict) -> None:
        # Every message asks for the return route (RESEARCH.md §2 item 5): replies come down the same socket.
        msg["~transport"] = {"return_route": "all"}
        envelope = pack(wire_json.dump(msg), [connection.their_key], connection.my_key)
        if self._link is not None and not connection.routing_keys and connection.endpoint in self._mediator_endpoints:
            self._link.send(envelope)
            return
        # Forwards travel on their own connection, as they would from another wallet: over the kept-open
        # socket, an anonymous forward makes Credo close it and ACA-Py stop returning messages on it.
        envelope = wrap_for_routing(envelope, connection.their_key, connection.routing_keys)
        reply = send_once(connection.endpoint, envelope, self.timeout)
        if reply:
            self._on_envelope(reply)

    def _request(self, connection: Connection, msg: dict, what: str, thid: str = "") -> dict:
        """Send `msg` and wait for the message answering its thread (or `thid`)."""
        key = "thid:" + (thid or thread_id(msg))
        waiter = self._expect(key)
        try:
            self._send(connection, msg)
        except BaseException:
            self._waiters.pop(key, None)
            raise
        return self._wait(key, waiter, what)

    def _expect(self, key: str) -> gevent.event.AsyncResult:
        waiter = self._waiters[key] = gevent.event.AsyncResult()
        return waiter

    def _wait(self, key: str, waiter: gevent.event.AsyncResult, what: str) -> dict:
        try:
            return self._wait_polling(waiter, self.timeout, what)
        finally:
            self._waiters.pop(key, None)

    def _wait_polling(self, waiter: gevent.event.AsyncResult, seconds: float, what: str,
                      raise_timeout: bool = True):
        """Wait for `waiter`; with polling pickup v2, ask the mediator for deliveries while waiting."""
        deadline = time.monotonic() + seconds
        polling = self._link is not None and self._pickup != "pickup_v2_live"
        # polls space out (1, 2, 4, 8, 8 ... s): a mediator slow under load must not get more traffic for it
        interval = PICKUP_POLL_FIRST_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            step = min(remaining, interval) if polling else remaining
            try:
                return waiter.get(timeout=max(step, 0))
            except gevent.Timeout:
                if remaining <= step:
                    if raise_timeout:
                        raise AgentTimeout(f"no {what} within {self.timeout:g} s") from None
                    return None
                self._poll_pickup()
                interval = min(interval * 2, PICKUP_POLL_MAX_SECONDS)

    def _next_unsolicited(self, queue: collections.deque, what: str):
        """The oldest item of `queue` (filled by inbound handling), waiting up to the timeout for one."""
        self._require_alive()
        deadline = time.monotonic() + self.timeout
        while not queue:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AgentTimeout(f"no {what} arrived within {self.timeout:g} s")
            waiter = self._inbox_waiter = gevent.event.AsyncResult()
            self._wait_polling(waiter, remaining, what, raise_timeout=False)
        return queue.popleft()

    def _fail_waiters(self, error: AgentError) -> None:
        for waiter in list(self._waiters.values()):
            if not waiter.ready():
                waiter.set_exception(error)
        self._waiters.clear()
        if self._inbox_waiter is not None and not self._inbox_waiter.ready():
            self._inbox_waiter.set_exception(error)

    # ----------------------------------------------------------------- receiving

    def _on_envelope(self, envelope: bytes) -> None:
        try:
            unpacked = unpack(envelope, self._keys.get, self._expected_sender)
            msg = json.loads(unpacked.message)
            if not isinstance(msg, dict):
                raise DecodeError("message is not a JSON object")
        except (DecodeError, ValueError, RecursionError) as exc:
            self.stats.unpack_errors += 1
            self.stats.last_problem = f"undecodable inbound message: {exc}"
            return
        try:
            self._dispatch(msg, unpacked.recipient_verkey)
        except Exception as exc:  # the link's reading must outlive any message a peer can send
            self.stats.unhandled += 1
            self.stats.last_problem = f"handling {msg.get('@type')!r}: {exc!r}"

    def _expected_sender(self, my_verkey: bytes) -> bytes | None:
        connection = self._by_my_key.get(my_verkey)
        return connection.their_key if connection is not None else None

    def _dispatch(self, msg: dict, recipient_verkey: bytes) -> None:
        family, name = family_and_name(msg)
        thid = thread_id(msg)
        if name in ("problem_report", "problem-report"):
            self._on_problem(msg, thid)
            return
        if family == pickup.FAMILY and name == "delivery":
            self._on_delivery(msg)
        elif family == pickup.FAMILY and name == "status":
            self._on_pickup_status(msg)
        waiter = self._waiters.pop("thid:" + thid, None) or self._waiters.pop(
            "type:" + message_type_key(family, name), None)
        if waiter is not None:
            waiter.set(msg)
            return
        connection = self._by_my_key.get(recipient_verkey)
        if family == trustping.FAMILY and name == "ping":
            if msg.get("response_requested", True) and connection is not None:
                self._spawn(self._send, connection, trustping.response_to(msg))
        elif family == basicmessage.FAMILY and name == "message":
            self._on_basic_message(msg, connection)
        elif family == didexchange.FAMILY and name == "request" and self._is_our_invitation(recipient_verkey, msg):
            self._spawn(self._answer_didexchange_request, msg, self._keys[recipient_verkey])
        elif family == didexchange.FAMILY and name == "complete" and connection is not None:
            connection.state = "completed"
        elif family == issuecredential.FAMILY and name == "offer-credential" and connection is not None:
            self._offers.append((connection, msg))
            self._wake_inbox()
        elif family != pickup.FAMILY:
            self.stats.unhandled += 1

    def _on_problem(self, msg: dict, thid: str) -> None:
        text = problem_text(msg)
        self.stats.last_problem = text
        waiter = self._waiters.pop("thid:" + thid, None)
        if waiter is not None:
            waiter.set_exception(ProblemReport(text))

    def _on_basic_message(self, msg: dict, connection: Connection | None) -> None:
        try:
            content = basicmessage.content_of(msg)
        except DecodeError:
            self.stats.unhandled += 1
            return
        if len(self._inbox) >= INBOX_LIMIT:
            self._inbox.popleft()
            self.stats.inbox_dropped += 1
        self._inbox.append(ReceivedMessage(content, connection.id if connection else ""))
        self._wake_inbox()

    def _on_delivery(self, delivery: dict) -> None:
        try:
            items = pickup.delivered(delivery)
        except DecodeError as exc:
            self.stats.last_problem = f"pickup delivery: {exc}"
            return
        for _, envelope in items:
            self._on_envelope(envelope)
        if items and self._mediator is not None:
            self._spawn(self._send, self._mediator, pickup.messages_received([i for i, _ in items]))

    def _on_pickup_status(self, status: dict) -> None:
        # Turning live mode on (at start, after a reconnect) does not flush what the mediator queued meanwhile
        if pickup.waiting_count(status) and self._mediator is not None:
            self._spawn(self._send, self._mediator, pickup.delivery_request())

    def _is_our_invitation(self, recipient_verkey: bytes, request: dict) -> bool:
        return (self._inbound_key is not None and recipient_verkey == self._inbound_key.verkey
                and didexchange.invitation_id_of(request) in self._invitation_ids)

    def _wake_inbox(self) -> None:
        if self._inbox_waiter is not None and not self._inbox_waiter.ready():
            self._inbox_waiter.set(None)

    # ----------------------------------------------------------------- small helpers

    def _new_key(self) -> KeyPair:
        key = KeyPair()
        self._keys[key.verkey] = key
        return key

    def _remember(self, connection: Connection) -> None:
        self._connections[connection.id] = connection
        self._by_my_key[connection.my_key.verkey] = connection

    def _spawn(self, function, *args) -> None:
        """Run a reply in its own greenlet: inbound handling runs in the hub and must never wait on a send;
        errors become stats."""
        def run():
            try:
                with gevent.Timeout(self.timeout, AgentTimeout(f"{function.__name__} timed out")):
                    function(*args)
            except (AgentError, DecodeError) as exc:
                self.stats.last_problem = f"{function.__name__}: {exc}"
            finally:
                self._greenlets.discard(greenlet)
        greenlet = gevent.spawn(run)
        self._greenlets.add(greenlet)

    def _require_alive(self) -> None:
        if self._alive:
            return
        if self._link is not None and self._link.dead_reason:
            raise AgentCrashed("the agent lost its mediator", self._link.dead_reason)
        raise AgentError("agent is not running")

    def _require_mediator(self) -> Connection:
        self._require_alive()
        if self._mediator is None:
            raise ProtocolError("agent was started without mediation")
        return self._mediator

    def _deadline(self, what: str):
        return gevent.Timeout(self.timeout, AgentTimeout(f"{what} took longer than {self.timeout:g} s"))


def message_type_key(family: str, name: str) -> str:
    return f"{family}/{name}"


def _parse(url: str) -> ParsedInvitation:
    try:
        return parse_invitation_url(url)
    except (DecodeError, InvitationError) as exc:
        raise ProtocolError(f"invitation: {exc}") from None
