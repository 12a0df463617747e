"""Pairs of mediated wallets send each other basic messages through the mediator.

Each user owns two wallets connected to each other. `deliver_message` times one
message from the sender's call to its arrival at the other wallet: forward to the
mediator, queue, push over the receiver's websocket; the figure a mediator exists for.
Directions alternate; the delivery ledger follows each message. Rows: `didcomm agent_start`, `didcomm create_invitation`,
`didcomm receive_invitation`, `didcomm deliver_message`. No issuer needed.
"""

from locust import task

from mediator_tui.agents.interface import Agent, ReceivedMessage
from mediator_tui.locust_support.agent_user import AgentUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ()


class MediatorDeliver(AgentUser):
    agents_per_user = 2

    def prepare(self, agents: list[Agent]) -> None:
        inviter, invitee = agents
        url = self.didcomm("create_invitation", inviter.create_invitation)
        invitee_connection = self.didcomm("receive_invitation", lambda: invitee.receive_invitation(url))
        # The inviter learns its side of the connection from the first message it receives.
        first = self.send_between(invitee, invitee_connection, inviter)
        self.connections = {id(inviter): first.connection_id, id(invitee): invitee_connection}
        self.turn = 0

    def send_between(self, sender: Agent, connection_id: str, receiver: Agent) -> ReceivedMessage:
        return self.send_tracked(
            "deliver_message",
            connection_id,
            receiver,
            lambda content: self.didcomm("send_message", lambda: sender.send_message(connection_id, content)),
        )

    @task
    def deliver_message(self) -> None:
        agents = self.agents()
        self.turn ^= 1
        sender, receiver = agents[self.turn], agents[1 - self.turn]
        self.send_between(sender, self.connections[id(sender)], receiver)
