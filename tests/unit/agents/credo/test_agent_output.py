"""Hostile lines from an agent process (tests/data/agent_output/): the credo engine's reader survives them.

Each line comes just before the proper reply to a command. Whatever the line, the command ends
at once (with its reply or a typed AgentError, never a hang or another exception) and the link
keeps working for the next command.
"""

from __future__ import annotations

import os
import sys

import pytest

from mediator_tui.agents.credo.channel import NodeChannel
from mediator_tui.agents.interface import AgentError, ProtocolError
from tests.support.paths import DATA

CORPUS = DATA / "agent_output"
PARROT = [sys.executable, str(DATA / "parrot_agent.py")]
# Lines that are no protocol at all: the waiting command must learn of them.
NOT_PROTOCOL = {
    "not_json.txt",
    "json_array.txt",
    "json_string.txt",
    "json_null.txt",
    "not_utf8.txt",
    "nul_bytes.txt",
    "truncated_json.txt",
    "deeply_nested.txt",
    "terminal_escapes.txt",
    "reply_without_id.txt",
}
TIMEOUT_S = 3.0


@pytest.fixture
def channel():
    opened = NodeChannel(
        PARROT, dict(os.environ), on_event=lambda event: None, on_exit=lambda channel: None, max_line_bytes=1 << 20
    )
    yield opened
    opened.close(term_after=1, kill_after=1)


def _outcome(channel: NodeChannel, fields: dict):
    try:
        return channel.request("ping_mediator", fields, TIMEOUT_S)
    except AgentError as error:
        return error


def test_the_corpus_is_there():
    assert NOT_PROTOCOL <= {p.name for p in CORPUS.iterdir()}


@pytest.mark.parametrize("line", sorted(p.name for p in CORPUS.iterdir()))
def test_a_hostile_line_fails_at_most_its_command(channel, line):
    outcome = _outcome(channel, {"say_file": str(CORPUS / line)})
    if line in NOT_PROTOCOL:
        assert isinstance(outcome, ProtocolError), outcome
        assert "agent printed" in str(outcome)
    assert not isinstance(outcome, Exception) or isinstance(outcome, AgentError)
    assert channel.running
    assert channel.request("ping_mediator", {}, TIMEOUT_S) == {"echo": "ping_mediator"}


@pytest.mark.parametrize("size", [(1 << 20) + 1, 5 << 20])
def test_a_huge_line_is_refused_in_bounded_pieces_and_the_link_goes_on(channel, tmp_path, size):
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b'{"event": "message", "content": "' + b"x" * size + b'"}\n')
    outcome = _outcome(channel, {"say_file": str(huge)})
    assert isinstance(outcome, ProtocolError) and "limit" in str(outcome), outcome
    assert channel.request("ping_mediator", {}, TIMEOUT_S) == {"echo": "ping_mediator"}
