"""How many bytes a worker's report to the master takes: the whole message, Locust's stats and the agents report.

A worker sends its report every second as Locust's message `("stats", data, node_id)`, packed with msgpack
(`Message.serialize` in https://github.com/locustio/locust/blob/master/locust/rpc/protocol.py), over ZeroMQ; the
master hands `data` back unpacked to its `worker_report` listeners. Packing it again as Locust does gives what
crossed the wire, give or take ZeroMQ's framing (a few bytes a message). msgpack is Locust's own dependency. Locust
packs a datetime or a BSON ObjectId as a small map of its text; this counts such a value as its text, near enough
(Locust's own stats carry neither). One packing per report per worker: the master does it once a second each.
"""

from __future__ import annotations

from typing import Any

import msgpack

MESSAGE_TYPE = "stats"  # the type of Locust's worker report message (WorkerRunner._send_stats)


def report_bytes(client_id: str, data: dict[str, Any]) -> int:
    """The size of the message a worker's report `data` came in, as the worker sent it."""
    return len(msgpack.packb((MESSAGE_TYPE, data, client_id), default=str))
