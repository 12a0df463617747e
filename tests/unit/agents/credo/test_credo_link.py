"""The credo engine's watch on its link to the mediator (agent/lib/link.js), with a fake agent and fake
transports (tests/data/credo_link_cases.js): a reply due on a websocket that closes fails at once naming the
reset; one due on an HTTP request does not; a send to the mediator that fails on every endpoint is named a
reset with each endpoint's reason, where Credo says only "undeliverable"."""

from __future__ import annotations

import json
import subprocess

import pytest

from mediator_tui.agents.credo import setup
from mediator_tui.agents.interface import AgentError
from tests.support.paths import DATA

CASES = DATA / "credo_link_cases.js"


def _credo_missing() -> str:
    try:
        setup.script("agent.js")
        setup.node_binary()
    except AgentError as error:
        return str(error)
    return ""


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict]:
    if missing := _credo_missing():
        pytest.skip(f"credo engine not installed: {missing}")
    run = subprocess.run(
        [setup.node_binary(), str(CASES)],
        cwd=setup.script("agent.js").parent,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return {line["case"]: line for line in map(json.loads, run.stdout.splitlines())}


def test_a_reply_due_on_the_websocket_fails_at_once_when_it_closes(outcomes):
    closed = outcomes["websocket closes while a reply is due on it"]
    assert (closed["outcome"], closed["name"]) == ("rejected", "LinkResetError")
    assert closed["message"] == "mediator connection reset while waiting for the reply (websocket closed)"
    assert closed["ms"] < 500


@pytest.mark.parametrize(
    "case",
    ["websocket closes while a reply is due on an HTTP request", "a send to another party went on the websocket"],
)
def test_a_reply_not_due_on_the_websocket_is_waited_for_when_it_closes(outcomes, case):
    assert outcomes[case]["outcome"] == "resolved" and outcomes[case]["value"] == "answer"


def test_a_send_that_fails_on_every_endpoint_of_the_mediator_is_a_reset_naming_each(outcomes):
    failed = outcomes["every send to the mediator fails"]
    assert (failed["outcome"], failed["name"]) == ("rejected", "LinkResetError")
    assert failed["message"] == (
        "mediator connection reset while waiting for the reply (Error sending message "
        "to http://m: fetch failed: other side closed; ws://m: connect ECONNREFUSED "
        "127.0.0.1:9)"
    )


def test_a_send_that_fails_for_another_reason_keeps_its_own_error(outcomes):
    other = outcomes["a send fails for another reason than the link"]
    assert (other["outcome"], other["name"], other["message"]) == ("rejected", "TypeError", "bad message")
