"""How a native agent's messages go out and their replies are awaited: the state every part of the agent
shares (its connections, the mediator link, who waits for which reply) and the plumbing over it.

`NativeAgent` (agent.py) is the Agent interface and the handshakes on top of this; keeping the plumbing apart
keeps each module readable on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import gevent
import gevent.event

from mediator_tui.agents.interface import Agent, AgentCrashed, AgentError, AgentTimeout, ProtocolError, TransportError
from mediator_tui.agents.native import wire_json
from mediator_tui.agents.native.agent_stats import AgentStats
from mediator_tui.agents.native.connection_records import Connection, ConnectionRecords
from mediator_tui.agents.native.dispatcher import MessageDispatcher
from mediator_tui.agents.native.envelope import pack
from mediator_tui.agents.native.inbound import InboundEndpoint
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import thread_id
from mediator_tui.agents.native.own_invitations import OwnInvitations
from mediator_tui.agents.native.pickup_strategy import PickupStrategy
from mediator_tui.agents.native.reply_greenlets import ReplyGreenlets
from mediator_tui.agents.native.reply_waiters import ReplyWaiters, thread_key
from mediator_tui.agents.native.routing import wrap_for_routing
from mediator_tui.agents.native.transport import MediatorLink, send_once


class AgentMessaging(Agent):
    """The shared state of a native agent and how its messages travel; made whole by `NativeAgent`."""

    __slots__ = (
        "_alive",
        "_death_callback",
        "_dispatcher",
        "_endpoint",
        "_grant_endpoint",
        "_grant_routing_keys",
        "_greenlets",
        "_inbound_key",
        "_invitations",
        "_link",
        "_mediator",
        "_mediator_endpoints",
        "_pickup",
        "_reconnect_policy",
        "_records",
        "_shut",
        "_waiters",
        "label",
        "stats",
        "timeout",
    )

    label: str
    stats: AgentStats
    _records: ConnectionRecords
    _waiters: ReplyWaiters
    _greenlets: ReplyGreenlets
    _dispatcher: MessageDispatcher
    _link: MediatorLink | None
    _mediator: Connection | None
    _mediator_endpoints: tuple[str, ...]
    _grant_endpoint: str
    _grant_routing_keys: tuple[bytes, ...]
    _inbound_key: KeyPair | None
    _invitations: OwnInvitations
    _alive: bool
    _shut: bool
    _pickup: PickupStrategy
    _endpoint: InboundEndpoint | None
    _reconnect_policy: str

    # ----------------------------------------------------------------- the mediator link

    def _open_link(self, endpoint: str) -> None:
        if not endpoint.startswith(("ws://", "wss://")):
            raise TransportError(
                f"mediator offers no websocket endpoint (only {endpoint}); this engine keeps "
                "a websocket open to receive"
            )
        self._mediator_endpoints += (endpoint,)
        self._link = MediatorLink(
            endpoint,
            self.timeout,
            self._dispatcher.on_envelope,
            self._waiters.link_reset,
            self._on_reconnect,
            self._on_link_dead,
            self._reconnect_policy,
        )
        self._link.open()

    def _on_reconnect(self) -> None:
        try:
            with gevent.Timeout(self.timeout, AgentTimeout("re-announcing the return route timed out")):
                self._pickup.renew(self._to_mediator)
        except AgentError as exc:
            self.stats.last_problem = f"after reconnect: {exc}"

    def _on_link_dead(self, reason: str) -> None:
        self._alive = False
        self._waiters.fail_all(TransportError(reason))
        if not self._shut:
            self._report_death()

    # ----------------------------------------------------------------- sending and waiting

    def _send(self, connection: Connection, msg: dict) -> bool:
        """Send `msg`; True when it went out on the mediator link (its reply then comes back down it)."""
        # Every message asks for the return route (docs/didcomm-quirks.md "Return route"): replies come down the
        # same socket.
        msg["~transport"] = {"return_route": "all"}
        envelope = pack(wire_json.dump(msg), [connection.their_key], connection.my_key)
        if self._link is not None and not connection.routing_keys and connection.endpoint in self._mediator_endpoints:
            self._link.send(envelope)
            return True
        # Forwards travel on their own connection, as they would from another wallet: over the kept-open
        # socket, an anonymous forward makes Credo close it and ACA-Py stop returning messages on it.
        envelope = wrap_for_routing(envelope, connection.their_key, connection.routing_keys)
        reply = send_once(connection.endpoint, envelope, self.timeout)
        if reply:
            self._dispatcher.on_envelope(reply)
        return False

    def _to_mediator(self, msg: dict) -> None:
        self._send(self._mediator_connection(), msg)

    def _to_mediator_later(self, msg: dict) -> None:
        self._greenlets.spawn(self._send, self._mediator_connection(), msg)

    def _request(self, connection: Connection, msg: dict, what: str, thid: str = "") -> dict:
        """Send `msg` and wait for the message answering its thread (or `thid`)."""
        key = thread_key(thid or thread_id(msg))
        waiter = self._waiters.expect(key)
        try:
            if self._send(connection, msg):
                self._waiters.sent_on_link(what, key)
            return self._wait(waiter, what)
        finally:
            self._waiters.forget(key)

    def _request_of_mediator(self, msg: dict, what: str) -> dict:
        return self._request(self._mediator_connection(), msg, what)

    def _wait(self, waiter: gevent.event.AsyncResult, what: str) -> dict:
        if not self._pickup.wait(waiter, self.timeout, self._polling_sender()):
            raise AgentTimeout(f"no {what} within {self.timeout:g} s")
        # Answered with a message, or raises the error that ended the wait.
        return cast(dict, waiter.get())

    def _polling_sender(self) -> Callable[[dict], None] | None:
        """How a wait may ask the mediator for deliveries: over the kept-open link, once it is our mediator's."""
        return self._poll_mediator if self._link is not None and self._mediator is not None else None

    def _poll_mediator(self, msg: dict) -> None:
        # Only over a connected link: an offline wallet collects nothing, and a poll must not hold its wait past
        # its own deadline waiting for a reconnect (which re-announces the socket itself, `_on_reconnect`).
        if self._link is not None and self._link.connected:
            self._to_mediator(msg)

    # ----------------------------------------------------------------- small helpers

    def _require_alive(self) -> None:
        if self._alive:
            return
        if self._link is not None and self._link.dead_reason:
            raise AgentCrashed("the agent lost its mediator", self._link.dead_reason)
        raise AgentError("agent is not running")

    def _require_mediator(self) -> Connection:
        self._require_alive()
        return self._mediator_connection()

    def _mediator_connection(self) -> Connection:
        if self._mediator is None:
            raise ProtocolError("agent was started without mediation")
        return self._mediator

    def _deadline(self, what: str):
        return gevent.Timeout(self.timeout, AgentTimeout(f"{what} took longer than {self.timeout:g} s"))
