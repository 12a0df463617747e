"""The credo engine ends an agent process that ignores everything: the kill escalation's graces, waited for real.

The Python stand-in of tests/data/fake_credo_agent.py plays the agent; the engine's protocol is in
tests/unit/agents/credo/test_credo_protocol.py.
"""

from __future__ import annotations

import sys
import time

from mediator_tui.agents.credo.agent import CredoAgent
from mediator_tui.agents.interface import StartOptions
from tests.support.paths import FAKE_CREDO_AGENT

FAKE = [sys.executable, str(FAKE_CREDO_AGENT)]


def test_shutdown_escalates_to_kill_and_reaps_a_process_that_ignores_everything():
    agent = CredoAgent(timeout=1, command=[*FAKE, "--ignore-term", "--linger"])
    agent.start(StartOptions(mediation_url="http://127.0.0.1:1"))
    channel = agent._channel
    started = time.monotonic()
    agent.shutdown()
    assert channel.process.returncode == -9
    assert time.monotonic() - started < 10
    agent.shutdown()  # twice is fine
    assert not agent.alive
