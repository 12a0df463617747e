"""Each wallet makes CONNECTIONS_PER_AGENT connections to the issuer, one per task, and keeps them.

Through the mediator when WITH_MEDIATION is true (each connection adds a route on the
mediator), else listening on a pool port. Once a wallet holds all its connections
its tasks only check it is still alive (a dead one is restarted and connects again).
Rows: `didcomm agent_start`, `didcomm receive_invitation`, the issuer's admin calls.
"""

from locust import task

from mediator_tui.agents.interface import Agent
from mediator_tui.locust_support.agent_user import AgentUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer", "ports-unless-mediated")


class Connection(AgentUser):
    with_mediation = None

    def prepare(self, agents: list[Agent]) -> None:
        self.connections: list[str] = []

    @task
    def connect(self) -> None:
        agent = self.agent
        if len(self.connections) < self.settings.connections_per_agent:
            self.connections.append(self.connect_to_issuer(agent)[0])
