"""A ping scenario on a scripted in-memory agent: the base user's behaviour without a mediator.

SCRIPT_CRASH_ON_PING=N: every agent dies on its Nth ping (0: never).
SCRIPT_START_FAILS=1: every start fails.
SCRIPT_DIE_AFTER_S=X: every agent dies X s after its start, on its own (between tasks); its stderr tail
says when ("died at <unix time>").
SCRIPT_START_S=X: every start (onboarding) takes X s.
SCRIPT_LOSE_USERS=1: in each worker, the first user's on_start raises, the second user's first task
kills its own greenlet (the users that replace them run normally), and the third user's first task raises
outside any step (the user goes on).
"""

import itertools
import os
import time

import gevent
from locust import task

from mediator_tui.agents.interface import AgentCrashed, StartOptions, TransportError
from mediator_tui.locust_support.agent_user import AgentUser
from tests.integration.data.scripted_agent import ScriptedAgentBase

CRASH_ON_PING = int(os.environ.get("SCRIPT_CRASH_ON_PING", "0"))
START_FAILS = os.environ.get("SCRIPT_START_FAILS") == "1"
DIE_AFTER_S = float(os.environ.get("SCRIPT_DIE_AFTER_S", "0"))
LOSE_USERS = os.environ.get("SCRIPT_LOSE_USERS") == "1"
START_S = float(os.environ.get("SCRIPT_START_S", "0.01"))
_users = itertools.count(1)


class ScriptedAgent(ScriptedAgentBase):
    def __init__(self, timeout: float):
        super().__init__(timeout)
        self.pings = 0
        self._crash_reason = ""
        self._stderr_tail = ""

    def start(self, options: StartOptions) -> None:
        gevent.sleep(START_S)
        if START_FAILS:
            raise TransportError("cannot reach the mediator: connection refused")
        self._alive = True
        if DIE_AFTER_S:
            gevent.spawn_later(DIE_AFTER_S, self._die)

    def _die(self) -> None:
        if self._alive:
            self._died("agent process killed by SIGKILL", f"died at {time.time():.3f}")

    def _died(self, reason: str, stderr_tail: str) -> None:
        self._alive = False
        self._crash_reason = reason
        self._stderr_tail = stderr_tail
        self._report_death()

    def ping_mediator(self) -> None:
        gevent.sleep(0.005)
        self.pings += 1
        if self.pings == CRASH_ON_PING:
            self._died("agent process exited with code 3", "TypeError: scripted failure")
            raise AgentCrashed("agent process exited with code 3")

    @property
    def crash_reason(self) -> str:
        return self._crash_reason

    @property
    def stderr_tail(self) -> str:
        return self._stderr_tail


class ScriptedPing(AgentUser):
    with_mediation = None
    agent_factory = staticmethod(lambda engine, timeout: ScriptedAgent(timeout))

    def on_start(self) -> None:
        super().on_start()
        self.number = next(_users)
        if LOSE_USERS and self.number == 1:
            raise RuntimeError("scripted on_start failure")

    @task
    def ping_mediator(self) -> None:
        if LOSE_USERS and self.number == 2:
            self.number = 0
            gevent.getcurrent().kill(block=False)
            gevent.sleep(1)  # the kill lands here
        if LOSE_USERS and self.number == 3:
            self.number = 0
            raise ValueError("scripted task failure")
        agent = self.agent
        self.didcomm("ping_mediator", agent.ping_mediator)
