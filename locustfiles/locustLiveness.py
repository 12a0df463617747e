"""The issuer's `GET /status`, as row `admin liveness`: anything but 200 with JSON is a failure."""

from locust import task

from mediator_tui.locust_support.agent_user import AgentUser

# What this scenario needs from the configuration (read by `config check`, see core/config/runnable.py).
NEEDS = ("issuer",)


class Liveness(AgentUser):
    agents_per_user = 0

    @task
    def liveness(self) -> None:
        self.admin().status(name="liveness")
