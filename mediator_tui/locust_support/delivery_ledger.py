"""The delivery ledger: what became of every message a scenario sent to an agent.

A scenario tags each message (`tag`: the content gets a nonce of its own, which is the
message's id) and sends it through `send`; the receiving agent hands every basic message
it reads to `arrived`, the ones its wait was for and the ones it skipped. One ledger per
process: sender and receiver are agents of the same user, or the issuer's admin API called
by that user, so both ends are here.

Each message sent is in exactly one of: delivered (arrived within the timeout), lost (its
timeout passed first), in flight (neither yet). Beside them, arrivals are counted as late
(a lost message that arrived after all), duplicated (a message that had arrived already) and
out of order (a first arrival behind a later message of the same connection). Messages are
judged lost when the ledger is next read or written after their deadline, at least once a
second by the worker's report. Once the users are told to stop, no deadline passes any more: a message
still pending then was in flight when the run ended, however long its agents take to stop.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mediator_tui.contracts.worker_report import DeliveryCounts, DeliveryReport
from mediator_tui.locust_support.basic_messages import message_id, tagged

# Outcomes are remembered this many timeouts after a send, to tell a duplicate or a late arrival
# from a message of another run; past that a message is forgotten.
RETAIN_TIMEOUTS = 10

PENDING, DELIVERED, LOST = "pending", "delivered", "lost"


@dataclass
class _Entry:
    sent_at: float
    channel: str
    seq: int
    state: str = PENDING
    arrived: bool = False


def rounded_ms(ms: float) -> float:
    """Milliseconds bucketed as Locust buckets response times, so the store reads both histograms alike."""
    if ms < 100:
        return round(ms)
    if ms < 1000:
        return round(ms, -1)
    if ms < 10000:
        return round(ms, -2)
    return round(ms, -3)


class DeliveryLedger:
    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.monotonic):
        self.timeout_s = timeout_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._order: collections.deque[str] = collections.deque()  # ids in send order: deadlines in order
        self._next_unjudged = 0  # index in _order of the oldest message that may still be pending
        self._seqs: dict[str, int] = collections.defaultdict(int)  # channel -> last seq given
        self._highest: dict[str, int] = {}  # channel -> highest seq arrived
        self._counts: collections.Counter[str] = collections.Counter()
        self._latency: dict[float, int] = collections.defaultdict(int)
        self._stopped_at: float | None = None

    def tag(self, text: str, channel: str) -> str:
        """`text` with the id of a new message on `channel` (a connection, one direction); the
        message counts as sent from now, unless `send` fails."""
        content = tagged(text)
        nonce = message_id(content)
        assert nonce is not None  # tagged() just gave it one
        self._seqs[channel] += 1
        self._entries[nonce] = _Entry(self._clock(), channel, self._seqs[channel])
        self._order.append(nonce)
        self._counts["sent"] += 1
        return content

    def send(self, content: str, send: Callable[[], Any]) -> Any:
        """`send()`, the sending of `content`; when it raises, the message was never sent and is withdrawn,
        from lost too where its deadline passed while the send waited (a send's own timeout may be the
        longer). One that arrived all the same was sent, and stays."""
        try:
            return send()
        except BaseException:
            key = message_id(content) or ""
            entry = self._entries.get(key)
            if entry is not None and not entry.arrived:
                del self._entries[key]
                self._counts["sent"] -= 1
                if entry.state == LOST:
                    self._counts["lost"] -= 1
            raise

    def arrived(self, content: str) -> None:
        """An agent read a basic message; one without a known id (not sent by this process) is ignored."""
        now = self._clock()
        self._judge(now)
        entry = self._entries.get(message_id(content) or "")
        if entry is None:
            return
        if entry.arrived:
            self._counts["duplicated"] += 1
            return
        entry.arrived = True
        if entry.state == LOST:
            self._counts["late"] += 1
            return
        entry.state = DELIVERED
        self._counts["delivered"] += 1
        self._latency[rounded_ms((now - entry.sent_at) * 1000)] += 1
        if entry.seq < self._highest.get(entry.channel, 0):
            self._counts["out_of_order"] += 1
        else:
            self._highest[entry.channel] = entry.seq

    def stop_judging(self) -> None:
        """The users are being stopped: deadlines judge no message as lost from now until `resume_judging`.
        Stopping agents (a Node process each, with the credo engine) may outlast a message's timeout, and the
        worker's last report comes after that; an arrival meanwhile is still a delivery."""
        self._stopped_at = self._clock()

    def resume_judging(self) -> None:
        self._stopped_at = None

    def report(self) -> DeliveryReport:
        self._judge(self._clock())
        counts = self._counts
        in_flight = counts["sent"] - counts["delivered"] - counts["lost"]
        return DeliveryReport(
            counts=DeliveryCounts(
                sent=counts["sent"],
                delivered=counts["delivered"],
                lost=counts["lost"],
                in_flight=in_flight,
                duplicated=counts["duplicated"],
                late=counts["late"],
                out_of_order=counts["out_of_order"],
            ),
            latency_ms=dict(self._latency),
        )

    def _judge(self, now: float) -> None:
        """Messages past their deadline and not arrived become lost; old outcomes are forgotten."""
        order, entries = self._order, self._entries
        judged_at = now if self._stopped_at is None else min(now, self._stopped_at)
        while self._next_unjudged < len(order):
            entry = entries.get(order[self._next_unjudged])
            if entry is not None and entry.sent_at + self.timeout_s > judged_at:
                break
            if entry is not None and entry.state == PENDING:
                entry.state = LOST
                self._counts["lost"] += 1
            self._next_unjudged += 1
        forget_before = now - self.timeout_s * RETAIN_TIMEOUTS
        while self._next_unjudged and (entries.get(order[0]) is None or entries[order[0]].sent_at < forget_before):
            entries.pop(order.popleft(), None)
            self._next_unjudged -= 1
