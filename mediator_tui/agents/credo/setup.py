"""What a Credo agent process needs (node, `agent.js` of the installed agent project, askar),
as agent errors: the project itself is found and installed by `mediator_tui.common.node_agent`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from mediator_tui.agents.interface import AgentError
from mediator_tui.common import node_agent
from mediator_tui.common.child_env import allowlisted_environment

T = TypeVar("T")

# What agent.js reads from its environment (agent/lib/wallet.js): no other setting of the
# tool (issuer headers, attach password, the user's own keys) reaches the agent process.
AGENT_READS = (
    "AGENT_IP",
    "LOG_LEVEL",
    "MEDIATION_URL",
    "PICKUP_STRATEGY",
    "MEDIATOR_RECONNECT_BASE_MS",
    "MEDIATOR_RECONNECT_MAX_MS",
)


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
    """The agent process's environment: what Node and agent.js read, askar's folder, and `extra`."""
    return allowlisted_environment(
        (*node_agent.NODE_VARIABLES, *AGENT_READS), {**_as_agent_error(node_agent.askar_environment), **(extra or {})}
    )
