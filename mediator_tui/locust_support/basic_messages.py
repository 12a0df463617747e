"""Basic messages a scenario sends and waits for, each told apart by a nonce in its content.

A message whose wait timed out still arrives later, and the next wait on that agent would read it; so
every message carries a nonce, and a wait takes only the content it expects, skipping any other until its
timeout.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

from mediator_tui.agents.interface import Agent, AgentTimeout, ReceivedMessage

_NONCE = re.compile(r" #([0-9a-f]{12})$")


def tagged(text: str) -> str:
    """`text` with a nonce of its own (`<text> #<12 hex digits>`)."""
    return f"{text} #{secrets.token_hex(6)}"


def message_id(content: str) -> str | None:
    """The nonce `tagged` gave `content`; None for a message without one."""
    found = _NONCE.search(content)
    return found.group(1) if found else None


def receive_content(
    agent: Agent, content: str, arrived: Callable[[str], None] = lambda _content: None
) -> ReceivedMessage:
    """The first message whose content is `content`, within the agent's timeout; others are skipped.
    `arrived` is told of every message read, skipped or not (the delivery ledger's `arrived`)."""
    return receive_contents(agent, [content], arrived)[0]


def receive_contents(
    agent: Agent, contents: list[str], arrived: Callable[[str], None] = lambda _content: None
) -> list[ReceivedMessage]:
    """The messages whose contents are `contents`, as they arrive, all within the agent's timeout; others are
    skipped. `arrived` is told of every message read, as by `receive_content`."""
    deadline = time.monotonic() + agent.timeout
    waiting = set(contents)
    received: list[ReceivedMessage] = []
    skipped = 0
    while waiting and (remaining := deadline - time.monotonic()) > 0:
        try:
            message = agent.receive_message(remaining)
        except AgentTimeout:
            break
        arrived(message.content)
        if message.content in waiting:
            waiting.discard(message.content)
            received.append(message)
        else:
            skipped += 1
    if not waiting:
        return received
    # said with the whole wait, not with the rest of it that the last call had
    if not skipped and not received:
        raise AgentTimeout(f"no basic message arrived within {agent.timeout:g} s")
    others = f"{skipped} other message{'s' if skipped != 1 else ''} skipped"
    if len(contents) == 1:
        raise AgentTimeout(f"no message {contents[0]!r} within {agent.timeout:g} s ({others})")
    raise AgentTimeout(
        f"{len(waiting)} of {len(contents)} messages did not arrive within {agent.timeout:g} s "
        f"({len(received)} did, {others})"
    )
