"""The kept-open websocket to the mediator: read from an event-loop callback, reconnected by a policy
(RECONNECT_POLICY: each reconnect counted), and one-shot sends to other endpoints (HTTP POST or a short
websocket)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import gevent
import gevent.event

from mediator_tui.agents.interface import TransportError
from mediator_tui.agents.native.http import HttpError, is_http, post_envelope
from mediator_tui.agents.native.websocket import WebSocket, WebSocketClosed

if TYPE_CHECKING:
    from gevent._types import _IoWatcher

# The reconnect policies (RECONNECT_POLICY). `backoff` is what a Credo wallet does: Credo's mediation recipient
# waits baseMediatorReconnectionIntervalMs (default 100 ms) after its websocket to the mediator closed, doubles
# the wait at each further close, caps it at maximumMediatorReconnectionIntervalMs (default: no cap), adds no
# jitter, and starts again from the base once a socket opens (monitorMediatorWebSocketEvents in
# https://github.com/openwallet-foundation/credo-ts/blob/main/packages/didcomm/src/modules/routing/DidCommMediationRecipientApi.ts,
# defaults in DidCommMediationRecipientModuleConfig.ts there).
IMMEDIATE, BACKOFF, BACKOFF_JITTER = "immediate", "backoff", "backoff-jitter"
RECONNECT_POLICIES = (IMMEDIATE, BACKOFF, BACKOFF_JITTER)
CREDO_BASE_SECONDS = 0.1
# `immediate`: the first attempt at once, then one every this long (not a busy loop while the mediator is down).
IMMEDIATE_RETRY_SECONDS = 0.1
# `backoff-jitter`: doubling from 0.5 s, capped at 5 s, each wait drawn in 50-100 % of its ceiling, so that
# wallets dropped together do not come back together.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 5.0
# Past this much time without a connection the link is declared dead (an agent failure, not a hang).
MAX_OUTAGE_SECONDS = 120.0


def backoff_delay(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """`backoff-jitter`'s delay before reconnect `attempt` (0-based): doubling from 0.5 s, capped at 5 s,
    jittered to 50-100 %."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** min(attempt, 16))
    return ceiling * (0.5 + 0.5 * rng())


def reconnect_delay(policy: str, attempt: int, rng: Callable[[], float] = random.random) -> float:
    """The wait before reconnect `attempt` (0-based) under `policy`."""
    if policy == IMMEDIATE:
        return 0.0 if attempt == 0 else IMMEDIATE_RETRY_SECONDS
    if policy == BACKOFF:
        return CREDO_BASE_SECONDS * 2 ** min(attempt, 30)
    return backoff_delay(attempt, rng)


def reconnect_policy(name: str) -> str:
    """`name` when it is a policy; ValueError naming the policies otherwise."""
    if name not in RECONNECT_POLICIES:
        raise ValueError(f"unknown reconnect policy {name!r}; policies: {', '.join(RECONNECT_POLICIES)}")
    return name


class MediatorLink:
    """A websocket that stays open; inbound messages go to `on_message`.

    Reading happens in a callback of the event loop, not in a greenlet of its own: an idle link then costs
    a watcher instead of a parked greenlet stack, and a message costs no switches. So `on_message` runs in
    the hub and must not block (it may spawn greenlets). When the open socket ends without our asking (found
    by reading, or by a send that failed), `on_reset(reason)` runs, before reconnecting begins: what waits for a reply on the lost
    socket can fail at once. After a reconnect `on_reconnect` runs in a greenlet (to re-announce the return
    route); after MAX_OUTAGE_SECONDS without a connection the link gives up and `on_dead(reason)` runs.

    A socket that only goes quiet (a mediator that stalls) is not a reset: nothing here times it out, so a
    stalled mediator is waited for, and an idle link costs no timer.
    """

    __slots__ = (
        "_closing",
        "_connected",
        "_on_dead",
        "_on_message",
        "_on_reconnect",
        "_on_reset",
        "_policy",
        "_reconnector",
        "_watcher",
        "_ws",
        "dead_reason",
        "reconnects",
        "timeout",
        "url",
    )

    def __init__(
        self,
        url: str,
        timeout: float,
        on_message: Callable[[bytes], None],
        on_reset: Callable[[str], None],
        on_reconnect: Callable[[], None],
        on_dead: Callable[[str], None],
        policy: str = BACKOFF_JITTER,
    ):
        self.url = url
        self._policy = reconnect_policy(policy)
        self.timeout = timeout
        self.reconnects = 0
        self.dead_reason = ""
        self._ws: WebSocket | None = None
        self._watcher: _IoWatcher | None = None
        self._reconnector: gevent.Greenlet[[], None] | None = None
        self._connected = gevent.event.Event()
        self._closing = False
        self._on_message = on_message
        self._on_reset = on_reset
        self._on_reconnect = on_reconnect
        self._on_dead = on_dead

    def open(self) -> None:
        """Connect once (TransportError on failure) and start reading."""
        self._attach(self._connect())

    def send(self, envelope: bytes) -> None:
        ws = self._socket_to_send_on()
        try:
            ws.send(envelope)
        except WebSocketClosed as exc:
            # a failed send ends the socket (a frame may be half sent): the link is reset now, so what waits
            # for a reply on it fails before this error reaches its caller, and reconnecting begins
            self._lost(ws)
            raise TransportError(f"websocket to {self.url}: {exc}") from None

    def _socket_to_send_on(self) -> WebSocket:
        """The open socket, once connected. What it holds unread is read first: the hub runs the read callback
        only between switches, so on a busy worker a close the server sent (a proxy's idle timeout) may lie
        unread when a send comes. Read now, it resets the link, and the message waits for the reconnect
        instead of going into a closed socket and its reply wait failing."""
        deadline = time.monotonic() + self.timeout
        while True:
            if self.dead_reason and not self._connected.is_set():  # given up reconnecting: no wait brings it back
                raise TransportError(self.dead_reason)
            if not self._connected.wait(max(0.0, deadline - time.monotonic())):
                raise TransportError(
                    self.dead_reason or f"websocket to {self.url} not reconnected within {self.timeout:g} s"
                )
            ws = self._ws
            if ws is None:  # connected means opened: never so
                raise TransportError(f"websocket to {self.url} was never opened")
            self._on_readable()
            if ws is self._ws and self._connected.is_set():
                return ws

    def close(self) -> None:
        self._closing = True
        self._connected.clear()
        self._detach()
        if self._ws is not None:
            self._ws.close()
        if self._reconnector is not None and self._reconnector is not gevent.getcurrent():
            self._reconnector.kill(block=False)

    def reopen(self) -> None:
        """Connect again after `close` (a wallet coming back online); TransportError on failure."""
        self._closing = False
        self.open()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def _connect(self) -> WebSocket:
        try:
            return WebSocket.connect(self.url, self.timeout)
        except (OSError, gevent.Timeout) as exc:
            raise TransportError(f"cannot open websocket to {self.url}: {str(exc) or type(exc).__name__}") from None

    def _attach(self, ws: WebSocket) -> None:
        self._ws = ws
        self._connected.set()
        if not ws.closed:
            self._watcher = gevent.get_hub().loop.io(ws.fileno(), 1)
            self._watcher.start(self._on_readable)
        # the upgrade answer may have brought frames along (even a close): no readiness event announces them
        self._on_readable()

    def _detach(self) -> None:
        if self._watcher is not None:
            self._watcher.close()  # before the socket closes: the loop must not poll a dead descriptor
            self._watcher = None

    def _on_readable(self) -> None:
        ws = self._ws
        if ws is None:  # only a socket attached is watched: never so
            return
        for message in ws.read_available():
            self._on_message(message)
        if ws.closed:
            self._lost(ws)

    def _lost(self, ws: WebSocket) -> None:
        """`ws` ended without our asking (read or send found it closed): reset once, then reconnect."""
        if ws is self._ws and self._connected.is_set():
            self._detach()
            self._connected.clear()
            if not self._closing:
                self._on_reset(ws.close_reason)
                self._reconnector = gevent.spawn(self._reconnect)

    def _reconnect(self) -> None:
        last_error = ""
        give_up_at = time.monotonic() + MAX_OUTAGE_SECONDS
        attempt = 0
        while time.monotonic() < give_up_at:
            gevent.sleep(min(reconnect_delay(self._policy, attempt), max(0.0, give_up_at - time.monotonic())))
            attempt += 1
            if self._closing:
                return
            try:
                ws = self._connect()
            except TransportError as exc:
                last_error = str(exc)
                continue
            if self._closing:  # closed while _connect() let other greenlets run
                ws.close()  # type: ignore[unreachable]  # mypy keeps the narrowing above across that call
                return
            self.reconnects += 1
            self._attach(ws)
            self._on_reconnect()
            return
        self.dead_reason = (
            f"websocket to {self.url} lost; {attempt} reconnects in {MAX_OUTAGE_SECONDS:g} s failed: {last_error}"
        )
        self._on_dead(self.dead_reason)


def send_once(url: str, envelope: bytes, timeout: float) -> bytes:
    """Deliver one envelope to an endpoint that is not our mediator link; return any return-routed reply."""
    if is_http(url):
        try:
            return post_envelope(url, envelope, timeout)
        except HttpError as exc:
            raise TransportError(str(exc)) from None
    try:
        ws = WebSocket.connect(url, timeout)
    except (OSError, gevent.Timeout) as exc:
        raise TransportError(f"cannot open websocket to {url}: {str(exc) or type(exc).__name__}") from None
    try:
        ws.send(envelope)
    except WebSocketClosed as exc:
        raise TransportError(f"websocket to {url}: {exc}") from None
    finally:
        ws.close()
    return b""
