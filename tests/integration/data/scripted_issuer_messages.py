"""The issuer message scenario (`IssuerMessageUser`, as locustMediatorMsg.py runs it) on a scripted wallet
and a scripted issuer: no mediator, no ACA-Py.

Every send-message call of the issuer first puts a late message of an earlier task (another nonce) in
the wallet at once, then the message it was given SCRIPT_DELIVERY_S later. SCRIPT_LOSE_SENT=1: the
message it was given never arrives, only late ones.
"""

import os

import gevent
import gevent.queue

from mediator_tui.agents.interface import AgentTimeout, ReceivedMessage
from mediator_tui.locust_support.basic_messages import tagged
from mediator_tui.locust_support.issuer_scenarios import IssuerMessageUser
from tests.integration.data.scripted_agent import ScriptedAgentBase

DELIVERY_S = float(os.environ.get("SCRIPT_DELIVERY_S", "0.3"))
LOSE_SENT = os.environ.get("SCRIPT_LOSE_SENT") == "1"


class ScriptedWallet(ScriptedAgentBase):
    def __init__(self, timeout: float):
        super().__init__(timeout)
        self.inbox: gevent.queue.Queue = gevent.queue.Queue()

    def arrive_later(self, seconds: float, content: str) -> None:
        gevent.spawn_later(seconds, self.inbox.put, ReceivedMessage(content, "wallet-connection"))

    def receive_invitation(self, invitation_url: str) -> str:
        return "wallet-connection"

    def receive_message(self, timeout: float | None = None) -> ReceivedMessage:
        timeout = self.timeout if timeout is None else timeout
        try:
            return self.inbox.get(timeout=timeout)
        except gevent.queue.Empty:
            raise AgentTimeout(f"no basic message arrived within {timeout:g} s") from None


class ScriptedIssuer:
    def __init__(self, wallet: ScriptedWallet):
        self.wallet = wallet

    def create_invitation(self) -> dict:
        return {"invitation_url": "scripted", "invi_msg_id": "scripted"}

    def ready_connection(self, invitation_msg_id: str) -> str:
        return "issuer-connection"

    def send_message(self, connection_id: str, content: str) -> dict:
        self.wallet.arrive_later(0, tagged(content.rpartition(" #")[0]))  # late, from an earlier task
        if not LOSE_SENT:
            self.wallet.arrive_later(DELIVERY_S, content)
        return {}


class ScriptedIssuerMessages(IssuerMessageUser):
    with_mediation = None
    agent_factory = staticmethod(lambda engine, timeout: ScriptedWallet(timeout))

    def admin(self) -> ScriptedIssuer:
        return ScriptedIssuer(self.slots[0].agent)
