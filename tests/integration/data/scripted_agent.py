"""The part every scripted stand-in agent shares: alive between start and shutdown, and no DIDComm.

A scripted locustfile overrides only the operations its scenario uses; any other one is a test bug
and raises.
"""

from mediator_tui.agents.interface import Agent, StartOptions


class ScriptedAgentBase(Agent):
    def __init__(self, timeout: float):
        self.timeout = timeout
        self._alive = False

    def start(self, options: StartOptions) -> None:
        self._alive = True

    def ping_mediator(self) -> None:
        raise NotImplementedError

    def receive_invitation(self, invitation_url: str) -> str:
        raise NotImplementedError

    def create_invitation(self) -> str:
        raise NotImplementedError

    def send_message(self, connection_id: str, content: str) -> None:
        raise NotImplementedError

    def receive_message(self, timeout=None):
        raise NotImplementedError

    def receive_credential(self) -> dict:
        raise NotImplementedError

    def shutdown(self) -> None:
        self._alive = False

    @property
    def alive(self) -> bool:
        return self._alive
