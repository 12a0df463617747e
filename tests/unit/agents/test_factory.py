"""The factory knows the engines."""

import pytest

from mediator_tui.agents.factory import create_agent
from mediator_tui.agents.native.agent import NativeAgent


def test_factory_builds_native_agents_with_the_timeout():
    agent = create_agent("native", 7.5)
    assert isinstance(agent, NativeAgent) and agent.timeout == 7.5 and not agent.alive


def test_factory_names_the_engines_for_an_unknown_one():
    with pytest.raises(ValueError, match="native, credo"):
        create_agent("afj", 5)
