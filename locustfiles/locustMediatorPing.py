"""Wallets onboard with the mediator and trust-ping it over their live connection.

Rows: `didcomm agent_start` (wallet up, mediation granted), `didcomm ping_mediator`
(ping with response requested, until the response arrives through the mediator).
"""

from locust import task

from mediator_tui.locust_support.agent_user import AgentUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ()


class MediatorPing(AgentUser):
    @task
    def ping_mediator(self) -> None:
        agent = self.agent
        self.didcomm("ping_mediator", agent.ping_mediator)
