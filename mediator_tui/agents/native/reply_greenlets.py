"""The greenlets a native agent sends its replies from: inbound handling runs in the hub and must never
wait on a send, so each reply goes out from a greenlet of its own, bounded by the agent's timeout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent

from mediator_tui.agents.interface import AgentError, AgentTimeout
from mediator_tui.agents.native.agent_stats import AgentStats
from mediator_tui.agents.native.errors import DecodeError


class ReplyGreenlets:
    __slots__ = ("_running", "_stats", "_timeout")

    def __init__(self, timeout: Callable[[], float], stats: AgentStats):
        # The agent's timeout as it is when a reply starts: a caller may change it on a running agent.
        self._timeout = timeout
        self._stats = stats
        self._running: set[gevent.Greenlet] = set()

    def spawn(self, function: Callable[..., Any], *args: Any) -> None:
        """Run `function(*args)` in its own greenlet; its errors become the agent's stats."""

        def run() -> None:
            try:
                with gevent.Timeout(self._timeout(), AgentTimeout(f"{function.__name__} timed out")):
                    function(*args)
            except (AgentError, DecodeError) as exc:
                self._stats.last_problem = f"{function.__name__}: {exc}"
            finally:
                self._running.discard(greenlet)

        greenlet = gevent.spawn(run)
        self._running.add(greenlet)

    def kill_all(self) -> None:
        for greenlet in list(self._running):
            greenlet.kill(block=False)
