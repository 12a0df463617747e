"""How an agent gets what its mediator holds for it, by the strategy chosen (PICKUP_STRATEGY):

- implicit: the mediator sends down the kept-open websocket, on which every message of ours asks for the
  return route;
- pickup-v2: messagepickup/2.0 (Aries RFC 0685) delivery requests, sent while the agent waits for something;
- pickup-v2-live: messagepickup/2.0 live mode, the mediator pushes at once.

A mediator that offers no pickup v2 (ACA-Py core, for one) leaves implicit pickup. The messages are
`pickup` and `trustping`; this module decides when to send which.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent.event

from mediator_tui.agents.native import discovery, pickup, trustping
from mediator_tui.agents.native.agent_stats import AgentStats
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.messages import family_and_name

IMPLICIT = "implicit"
POLLED = "pickup-v2"
LIVE = "pickup-v2-live"
PICKUP_POLL_FIRST_SECONDS = 1.0
PICKUP_POLL_MAX_SECONDS = 8.0

Send = Callable[[dict], None]
Request = Callable[[dict, str], dict]  # (message, what the answer is) -> the answer


class PickupStrategy:
    __slots__ = ("_stats", "mode")

    def __init__(self, name: str, stats: AgentStats):
        """ValueError naming the choices for an unknown `name`."""
        self.mode = stats.pickup = pickup.strategy(name)
        self._stats = stats

    def negotiate(self, request: Request, send: Send) -> None:
        """Mediation is granted: set up pickup v2 when chosen, or fall back to implicit when not offered."""
        if self.mode == IMPLICIT:
            return
        disclose = request(discovery.query("messagepickup/*"), "discover-features disclose")
        if not discovery.offers(disclose, pickup.PROTOCOL_PREFIX):
            self._stats.pickup = "implicit (mediator offers no messagepickup/2.0)"
            self.mode = IMPLICIT
            return
        self._stats.pickup = self.mode
        if self.mode == LIVE:
            self._send(send, pickup.live_delivery_change(True))
        # the status answer also tells us the mediator has taken the live-delivery change (same socket, in order)
        request(self._counted(pickup.status_request()), "pickup status")

    def renew(self, send: Send) -> None:
        """After a reconnect: tell the mediator that the new socket is ours (and live again)."""
        if self.mode == LIVE:
            self._send(send, pickup.live_delivery_change(True))
        else:
            # any message with return_route tells the mediator this socket is ours again
            send(trustping.ping(response_requested=False))

    def collect(self, send: Send) -> None:
        """Back online after a while away: ask for what the mediator queued meanwhile. Polled pickup asks for
        the status at once (its answer brings a delivery request, see `on_message`) instead of at the next poll."""
        if self.mode == POLLED:
            self._send(send, pickup.status_request())
        else:
            self.renew(send)

    def wait(self, waiter: gevent.event.AsyncResult, seconds: float, send: Send | None) -> bool:
        """Wait up to `seconds` for `waiter`; True once it is ready. Given `send` (to the mediator over the
        kept-open link), a strategy the mediator does not push for asks it for deliveries meanwhile."""
        deadline = time.monotonic() + seconds
        polling = send is not None and self.mode != LIVE
        # polls space out (1, 2, 4, 8, 8 ... s): a mediator slow under load must not get more traffic for it
        interval = PICKUP_POLL_FIRST_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            step = min(remaining, interval) if polling else remaining
            waiter.wait(timeout=max(step, 0))
            if waiter.ready():
                return True
            if remaining <= step or send is None:  # without `send` the one step was the whole wait
                return False
            self._poll(send)
            interval = min(interval * 2, PICKUP_POLL_MAX_SECONDS)

    def _poll(self, send: Send) -> None:
        """Ask the mediator for what it holds for us.

        Implicit pickup needs this too: ACA-Py buffers one reply per socket; a message that arrives while
        the buffer is busy is queued and only sent after our next inbound message on that socket.
        """
        self._stats.pickup_polls += 1
        if self.mode == POLLED:
            self._send(send, pickup.delivery_request())
        else:
            send(trustping.ping(response_requested=False))

    def on_message(
        self, name: str, msg: dict, handle_envelope: Callable[[bytes], None], send_later: Send | None
    ) -> None:
        """A messagepickup/2 message from the mediator; `send_later` sends from a greenlet of its own (None
        without a mediator)."""
        self._stats.pickup_messages[name] += 1
        if name == "delivery":
            self._on_delivery(msg, handle_envelope, send_later)
        elif name == "status":
            # Turning live mode on (at start, after a reconnect) does not flush what the mediator queued meanwhile
            if pickup.waiting_count(msg) and send_later is not None:
                self._send(send_later, pickup.delivery_request())

    def _on_delivery(self, delivery: dict, handle_envelope: Callable[[bytes], None], send_later: Send | None) -> None:
        try:
            items = pickup.delivered(delivery)
        except DecodeError as exc:
            self._stats.last_problem = f"pickup delivery: {exc}"
            return
        for _, envelope in items:
            handle_envelope(envelope)
        if items and send_later is not None:
            self._send(send_later, pickup.messages_received([i for i, _ in items]))

    def _send(self, send: Send, msg: dict) -> None:
        send(self._counted(msg))

    def _counted(self, msg: dict) -> dict:
        """`msg`, counted as sent in the stats (what the tests read to prove pickup v2 carried messages)."""
        self._stats.pickup_messages[family_and_name(msg)[1]] += 1
        return msg
