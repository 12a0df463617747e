"""What a Credo agent process needs (node, `agent.js` of the installed agent project, askar),
as agent errors: the project itself is found and installed by `mediator_tui.common.node_agent`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from mediator_tui.agents.interface import AgentError
from mediator_tui.common import node_agent

T = TypeVar("T")


class CredoSetupError(AgentError):
    kind = "setup"


def _as_agent_error(find: Callable[[], T]) -> T:
    try:
        return find()
    except node_agent.NodeAgentError as err:
        raise CredoSetupError(str(err)) from None


def node_binary() -> str:
    return _as_agent_error(node_agent.node_binary)


def script(name: str) -> Path:
    """A script of the installed agent project (a local run installs it before its workers start)."""
    return _as_agent_error(lambda: node_agent.script(name))


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(_as_agent_error(node_agent.askar_environment))
    env.update(extra or {})
    return env
