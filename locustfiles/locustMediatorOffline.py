"""Store and forward: pairs of mediated wallets, one of which goes offline while the other writes to it.

Each user owns two wallets connected to each other. Its task: the receiving wallet goes offline (closes its
socket to the mediator and stops collecting, as a phone whose app was closed) for OFFLINE_SECONDS; its peer
sends it OFFLINE_MESSAGES basic messages meanwhile, which the mediator must keep; then it comes back and
collects them as PICKUP_STRATEGY says (implicit: the mediator sends down the reopened socket; pickup-v2: a
status request at once, then delivery requests; pickup-v2-live: live mode again). The delivery ledger
follows each message, so one that never arrives is counted lost and one that arrives twice duplicated.
Rows: `didcomm agent_start`, `didcomm create_invitation`, `didcomm receive_invitation`, `didcomm go_offline`,
`didcomm send_message` (one per message), `didcomm drain_offline_messages` (from the return until the last
message arrived: the time a mediator takes to hand over what it kept). No issuer needed.
"""

import time

import gevent
from locust import task

from mediator_tui.agents.interface import Agent
from mediator_tui.locust_support.agent_user import AgentUser
from mediator_tui.locust_support.basic_messages import receive_contents
from mediator_tui.locust_support.steps import StepFailed

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("offline-within-timeout",)


class MediatorOffline(AgentUser):
    agents_per_user = 2

    def prepare(self, agents: list[Agent]) -> None:
        sender, receiver = agents
        url = self.didcomm("create_invitation", receiver.create_invitation)
        self.connection = self.didcomm("receive_invitation", lambda: sender.receive_invitation(url))

    @task
    def offline_delivery(self) -> None:
        sender, receiver = self.agents()
        settings = self.settings
        self.didcomm("go_offline", receiver.go_offline)
        back_at = time.monotonic() + settings.offline_seconds
        sent: list[str] = []
        try:
            for _ in range(settings.offline_messages):
                sent.append(self.send_one(sender))
        except StepFailed:
            # what was sent is still followed by the ledger; the wallet must not stay away for good
            self.didcomm("come_online", receiver.come_online)
            raise
        gevent.sleep(max(0.0, back_at - time.monotonic()))
        self.didcomm("drain_offline_messages", lambda: self.come_back(receiver, sent))

    def send_one(self, sender: Agent) -> str:
        ledger = self.ledger
        content = ledger.tag(self.settings.message, self.connection)
        ledger.send(
            content, lambda: self.didcomm("send_message", lambda: sender.send_message(self.connection, content))
        )
        return content

    def come_back(self, receiver: Agent, sent: list[str]) -> None:
        receiver.come_online()
        receive_contents(receiver, sent, self.ledger.arrived)
