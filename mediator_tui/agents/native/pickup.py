"""messagepickup/2.0 (Aries RFC 0685): status, delivery, messages-received, live mode.

Implicit pickup needs no messages: the mediator sends down a websocket on which we set
`return_route: all` (see transport and agent).
"""

from __future__ import annotations

from mediator_tui.agents.native.attachments import attachment_bytes
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.messages import message

FAMILY = "messagepickup/2"
PROTOCOL_PREFIX = "messagepickup/2."
DELIVERY_LIMIT = 10

# PICKUP_STRATEGY takes the settings' names (core/config/schema.py), the same in every engine; the
# agent uses them as they are
STRATEGIES = ("implicit", "pickup-v2", "pickup-v2-live")


def strategy(name: str) -> str:
    chosen = name or "implicit"
    if chosen not in STRATEGIES:
        raise ValueError(f"unknown pickup strategy {chosen!r}; choose one of {', '.join(STRATEGIES)}")
    return chosen


def status_request() -> dict:
    return message("messagepickup/2.0/status-request")


def delivery_request(limit: int = DELIVERY_LIMIT) -> dict:
    return message("messagepickup/2.0/delivery-request", limit=limit)


def messages_received(message_ids: list[str]) -> dict:
    return message("messagepickup/2.0/messages-received", message_id_list=message_ids)


def live_delivery_change(live: bool) -> dict:
    return message("messagepickup/2.0/live-delivery-change", live_delivery=live)


def waiting_count(status: dict) -> int:
    """How many messages a status says the mediator holds for us (0 when it does not say)."""
    count = status.get("message_count")
    return count if isinstance(count, int) and count > 0 else 0


def delivered(delivery: dict) -> list[tuple[str, bytes]]:
    """(attachment id, envelope) of each message in a delivery."""
    attached = delivery.get("~attach")
    if not isinstance(attached, list):
        raise DecodeError("pickup delivery has no ~attach list")
    return [(str(item.get("@id", "")), attachment_bytes(item)) for item in attached if isinstance(item, dict)]
