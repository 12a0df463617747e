"""What a native agent counts of its own troubles and choices, for its owner and the tests."""

from __future__ import annotations

from collections import Counter


class AgentStats:
    """Counters a worker reports; plain ints so reading them costs nothing."""

    __slots__ = (
        "foreign_senders",
        "inbox_dropped",
        "last_problem",
        "pickup",
        "pickup_messages",
        "pickup_polls",
        "unhandled",
        "unpack_errors",
    )

    def __init__(self):
        self.unpack_errors = self.unhandled = self.inbox_dropped = self.pickup_polls = 0
        self.foreign_senders = 0  # messages to our key on a connection from a key not its peer's, dropped
        self.pickup = ""  # the pickup strategy in use, and why when it is not the one asked for
        # messagepickup/2.0 messages sent and received, by message name (names differ by direction)
        self.pickup_messages: Counter[str] = Counter()
        self.last_problem = ""
