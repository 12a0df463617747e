"""trust_ping/1.0."""

from __future__ import annotations

from mediator_tui.agents.native.messages import message, thread_id

FAMILY = "trust_ping/1"


def ping(response_requested: bool = True) -> dict:
    return message("trust_ping/1.0/ping", response_requested=response_requested)


def response_to(ping_message: dict) -> dict:
    return message("trust_ping/1.0/ping_response", thid=thread_id(ping_message))
