"""basicmessage/1.0."""

from __future__ import annotations

from datetime import UTC, datetime

from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.messages import message

FAMILY = "basicmessage/1"


def basic_message(content: str) -> dict:
    return message(
        "basicmessage/1.0/message", content=content, sent_time=datetime.now(UTC).isoformat(timespec="milliseconds")
    )


def content_of(msg: dict) -> str:
    content = msg.get("content")
    if not isinstance(content, str):
        raise DecodeError("basic message has no text content")
    return content
