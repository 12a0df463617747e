"""One wallet per way an agent process can misbehave, beside a healthy native wallet as a control."""

import sys
from pathlib import Path

from locust import task

from mediator_tui.agents.credo.agent import CredoAgent
from mediator_tui.agents.native.agent import NativeAgent
from mediator_tui.locust_support.agent_user import AgentUser

UNRULY = [sys.executable, str(Path(__file__).with_name("unruly_agent.py"))]


def unruly(mode: str):
    return staticmethod(lambda engine, timeout: CredoAgent(timeout=timeout, command=UNRULY + [mode]))


class UnrulyWallet(AgentUser):
    abstract = True

    @task
    def ping_mediator(self) -> None:
        self.didcomm("ping_mediator", self.agent.ping_mediator)


class GarbageWallet(UnrulyWallet):
    fixed_count = 1
    agent_factory = unruly("garbage")


class HugeLineWallet(UnrulyWallet):
    fixed_count = 1
    agent_factory = unruly("huge")


class SilentWallet(UnrulyWallet):
    fixed_count = 1
    agent_factory = unruly("silent")


class HealthyWallet(AgentUser):
    fixed_count = 1
    agent_factory = staticmethod(lambda engine, timeout: NativeAgent(timeout=timeout))

    @task
    def control_ping(self) -> None:
        self.didcomm("control_ping", self.agent.ping_mediator)
