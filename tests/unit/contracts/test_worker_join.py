"""The join question and answer are read without raising, whatever arrives."""

from __future__ import annotations

import pytest

from mediator_tui.contracts.worker_join import JoinReply, join_request, read_join_reply, read_join_request


def test_an_answer_survives_the_wire():
    reply = JoinReply("1.0.0", {"MESSAGE_TO_SEND": "hi"}, ("ISSUER_HEADERS",))
    assert read_join_reply(reply.to_json()) == reply
    assert read_join_request(join_request("1.0.0")) == "1.0.0"


@pytest.mark.parametrize("raw", [None, [], "x", {"version": 3, "settings": ["a"], "secrets": "ISSUER_HEADERS"}])
def test_a_foreign_answer_reads_as_unknown(raw):
    reply = read_join_reply(raw)
    assert reply.settings == {} and reply.secrets == () and reply.refused == ""
    assert read_join_request(raw) == ""


def test_settings_that_are_not_text_are_dropped():
    reply = read_join_reply({"version": "1", "settings": {"A": "x", "B": 3, "C": None}, "secrets": ["S", 4]})
    assert reply.settings == {"A": "x"} and reply.secrets == ("S",)
