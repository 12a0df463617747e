"""The native agent's inbound side: every envelope it receives is read here and its message handed on.

A message goes to the request waiting for its thread (`reply_waiters`), to the pickup strategy, or to the
protocol that answers it; basic messages and credential offers no one waited for are queued until
`next_unsolicited` takes them (`receive_message`, `receive_credential`). It runs in the mediator link's read
callback, in the hub, so it never waits: replies go out from greenlets of their own (`spawn`).
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import Callable
from typing import Any

from mediator_tui.agents.interface import AgentTimeout, ProblemReport, ReceivedMessage
from mediator_tui.agents.native import basicmessage, didexchange, issuecredential, pickup, trustping
from mediator_tui.agents.native.agent_stats import AgentStats
from mediator_tui.agents.native.connection_records import Connection, ConnectionRecords
from mediator_tui.agents.native.envelope import unpack
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import family_and_name, problem_text, thread_id
from mediator_tui.agents.native.pickup_strategy import PickupStrategy
from mediator_tui.agents.native.reply_waiters import ReplyWaiters

INBOX_LIMIT = 1000


class MessageDispatcher:
    __slots__ = (
        "_answer_request",
        "_is_our_invitation",
        "_polling_sender",
        "_records",
        "_send",
        "_spawn",
        "_stats",
        "_waiters",
        "inbox",
        "offers",
        "pickup",
        "to_mediator_later",
    )

    def __init__(
        self,
        records: ConnectionRecords,
        waiters: ReplyWaiters,
        stats: AgentStats,
        *,
        spawn: Callable[..., None],
        send: Callable[[Connection, dict], Any],
        answer_request: Callable[[dict, KeyPair], None],
        is_our_invitation: Callable[[bytes, dict], bool],
        polling_sender: Callable[[], Callable[[dict], None] | None],
    ):
        self.inbox: collections.deque[ReceivedMessage] = collections.deque()
        self.offers: collections.deque[tuple[Connection, dict]] = collections.deque()
        self.pickup: PickupStrategy  # set by the agent's start(), before any envelope can arrive
        # How pickup answers go to the mediator without waiting; None until the agent has a mediator.
        self.to_mediator_later: Callable[[dict], None] | None = None
        self._records = records
        self._waiters = waiters
        self._stats = stats
        self._spawn = spawn
        self._send = send
        self._answer_request = answer_request
        self._is_our_invitation = is_our_invitation
        self._polling_sender = polling_sender  # how a wait may ask the mediator for deliveries, if it may

    def next_unsolicited(self, queue: collections.deque, what: str, timeout: float) -> Any:
        """The oldest item of `queue` (`inbox` or `offers`), waiting up to `timeout` for one."""
        deadline = time.monotonic() + timeout
        while not queue:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AgentTimeout(f"no {what} arrived within {timeout:g} s")
            waiter = self._waiters.arrival()
            if self.pickup.wait(waiter, remaining, self._polling_sender()):
                waiter.get()  # raises when the agent died or shut down meanwhile
        return queue.popleft()

    def on_envelope(self, envelope: bytes) -> None:
        try:
            unpacked = unpack(envelope, self._records.key, self._records.expected_sender)
            msg = json.loads(unpacked.message)
            if not isinstance(msg, dict):
                raise DecodeError("message is not a JSON object")
        except (DecodeError, ValueError, RecursionError) as exc:
            self._stats.unpack_errors += 1
            self._stats.last_problem = f"undecodable inbound message: {exc}"
            return
        connection = self._records.of_my_key(unpacked.recipient_verkey)
        if connection is not None and unpacked.sender_verkey != connection.their_key:
            # to our key on a connection, but not from its peer: anyone who learnt our key (it is in our DID
            # document) could otherwise speak for the peer
            self._stats.foreign_senders += 1
            self._stats.last_problem = (
                f"dropped a message on a connection from a key not its peer's: {msg.get('@type')!r}"
            )
            return
        try:
            self._dispatch(msg, unpacked.recipient_verkey)
        except Exception as exc:  # the link's reading must outlive any message a peer can send
            self._stats.unhandled += 1
            self._stats.last_problem = f"handling {msg.get('@type')!r}: {exc!r}"

    def _dispatch(self, msg: dict, recipient_verkey: bytes) -> None:
        family, name = family_and_name(msg)
        thid = thread_id(msg)
        if name in ("problem_report", "problem-report"):
            self._on_problem(msg, thid)
            return
        if family == pickup.FAMILY:
            self.pickup.on_message(name, msg, self.on_envelope, self.to_mediator_later)
        if self._waiters.answer(msg, thid, family, name):
            return
        connection = self._records.of_my_key(recipient_verkey)
        if family == trustping.FAMILY and name == "ping":
            if msg.get("response_requested", True) and connection is not None:
                self._spawn(self._send, connection, trustping.response_to(msg))
        elif family == basicmessage.FAMILY and name == "message":
            self._on_basic_message(msg, connection)
        elif family == didexchange.FAMILY and name == "request" and self._is_our_invitation(recipient_verkey, msg):
            self._spawn(self._answer_request, msg, self._records.key(recipient_verkey))
        elif family == didexchange.FAMILY and name == "complete" and connection is not None:
            connection.state = "completed"
        elif family == issuecredential.FAMILY and name == "offer-credential" and connection is not None:
            self.offers.append((connection, msg))
            self._waiters.wake()
        elif family != pickup.FAMILY:
            self._stats.unhandled += 1

    def _on_problem(self, msg: dict, thid: str) -> None:
        text = problem_text(msg)
        self._stats.last_problem = text
        self._waiters.refuse(thid, ProblemReport(text))

    def _on_basic_message(self, msg: dict, connection: Connection | None) -> None:
        try:
            content = basicmessage.content_of(msg)
        except DecodeError:
            self._stats.unhandled += 1
            return
        if len(self.inbox) >= INBOX_LIMIT:
            self.inbox.popleft()
            self._stats.inbox_dropped += 1
        self.inbox.append(ReceivedMessage(content, connection.id if connection else ""))
        self._waiters.wake()
