"""`create_agent`: the one place that knows which engines exist."""

from __future__ import annotations

from mediator_tui.agents.interface import Agent

ENGINES = ("native", "credo")


def create_agent(engine: str, timeout: float, **options) -> Agent:
    """A new, not yet started agent of `engine`; engines are imported only when asked for."""
    if engine == "native":
        from mediator_tui.agents.native.agent import NativeAgent

        return NativeAgent(timeout=timeout, **options)
    if engine == "credo":
        from mediator_tui.agents.credo.agent import CredoAgent

        return CredoAgent(timeout=timeout, **options)
    raise ValueError(f"unknown agent engine {engine!r}; engines: {', '.join(ENGINES)}")
