"""More listening (non-mediated) wallets than the port pool holds, beside two wallets that ping the mediator."""

from locust import task

from mediator_tui.locust_support.agent_user import AgentUser


class ListeningWallet(AgentUser):
    with_mediation = False
    weight = 10

    @task
    def stay_up(self) -> None:
        self.agents()  # a wallet without a port is started again (and refused again) at every task


class Pinger(AgentUser):
    fixed_count = 2

    @task
    def ping_mediator(self) -> None:
        self.didcomm("ping_mediator", self.agent.ping_mediator)
