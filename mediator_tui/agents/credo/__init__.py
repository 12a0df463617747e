"""The credo engine: each wallet is a Credo-ts agent in its own `node agent/agent.js` process.

`channel` speaks the JSON-lines protocol with one process; `agent` (`CredoAgent`)
implements the agent interface on top of it and watches the process; `setup`
finds node, the scripts of `agent/` and the askar native library. The agent
module (and gevent with it) loads on first use, so the core's Credo mediator
flavour can use `setup` without it.
"""

_AGENT_NAMES = ("CrashRecord", "CredoAgent")


def __getattr__(name: str):
    if name in _AGENT_NAMES:
        from mediator_tui.agents.credo import agent

        return getattr(agent, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
