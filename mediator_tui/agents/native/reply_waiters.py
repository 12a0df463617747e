"""Who waits for which inbound message: replies matched by thread id or by message type, and the one
wait for unsolicited arrivals (basic messages, credential offers).

Inbound handling runs in the hub and only hands messages over here; the waiting happens in the greenlets
that sent the requests.
"""

from __future__ import annotations

from typing import Any

import gevent.event

from mediator_tui.agents.interface import AgentError, TransportError


def thread_key(thid: str) -> str:
    return "thid:" + thid


def type_key(family: str, name: str) -> str:
    """For replies without ~thread (a mediate-grant), matched by `family/major` and name."""
    return f"type:{family}/{name}"


class ReplyWaiters:
    __slots__ = ("_arrival", "_on_link", "_waiting")

    def __init__(self):
        self._waiting: dict[str, gevent.event.AsyncResult] = {}
        # keys whose request went out on the mediator link, with what they wait for
        self._on_link: dict[str, str] = {}
        self._arrival: gevent.event.AsyncResult | None = None

    def expect(self, *keys: str) -> gevent.event.AsyncResult:
        """One waiter, answered by the first message that matches any of `keys`."""
        waiter: gevent.event.AsyncResult[Any] = gevent.event.AsyncResult()
        for key in keys:
            self._waiting[key] = waiter
        return waiter

    def forget(self, *keys: str) -> None:
        for key in keys:
            self._waiting.pop(key, None)
            self._on_link.pop(key, None)

    def sent_on_link(self, what: str, *keys: str) -> None:
        """The request these keys wait on went out on the mediator link: its reply comes back down that
        socket (return route) or not at all."""
        for key in keys:
            if key in self._waiting:
                self._on_link[key] = what

    def link_reset(self, reason: str) -> None:
        """The mediator link broke: what was sent on it will never be answered on it (ACA-Py discards what
        it had read but not handled; a reply due on the dead socket goes nowhere), so those waits fail now
        instead of at their timeout. Waits for replies from other parties go on: the mediator holds those."""
        on_link, self._on_link = self._on_link, {}
        for key, what in on_link.items():
            waiter = self._waiting.pop(key, None)
            if waiter is not None and not waiter.ready():
                waiter.set_exception(
                    TransportError(f"mediator connection reset while waiting for the {what} ({reason})")
                )

    def answer(self, msg: dict, thid: str, family: str, name: str) -> bool:
        """Hand `msg` to whoever waits for its thread, else for its type; False when nobody does."""
        waiter = self._waiting.pop(thread_key(thid), None) or self._waiting.pop(type_key(family, name), None)
        if waiter is None:
            return False
        waiter.set(msg)
        return True

    def refuse(self, thid: str, error: AgentError) -> None:
        """The other side answered the thread with a problem report: its waiter fails with `error`."""
        waiter = self._waiting.pop(thread_key(thid), None)
        if waiter is not None:
            waiter.set_exception(error)

    def arrival(self) -> gevent.event.AsyncResult:
        """A waiter woken by the next unsolicited arrival (`wake`)."""
        waiter = self._arrival = gevent.event.AsyncResult()
        return waiter

    def wake(self) -> None:
        if self._arrival is not None and not self._arrival.ready():
            self._arrival.set(None)

    def fail_all(self, error: AgentError) -> None:
        for waiter in list(self._waiting.values()):
            if not waiter.ready():
                waiter.set_exception(error)
        self._waiting.clear()
        self._on_link.clear()
        if self._arrival is not None and not self._arrival.ready():
            self._arrival.set_exception(error)
