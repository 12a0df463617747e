"""The stand-in scenarios the integration tests run under real Locust (no mediator), and their settings."""

from tests.support.headless_runs import fake_invitation
from tests.support.paths import REPO, SYNTHETIC

SCRIPTED = REPO / "tests" / "integration" / "data"  # locustfiles whose users hold a scripted agent

# Short waits between tasks; the scripted agent never dials the invitation, the settings only check it is one.
FAST = {
    "LOCUST_MIN_WAIT": "0.05",
    "LOCUST_MAX_WAIT": "0.1",
    "AGENT_ENGINE": "native",
    "MEDIATION_URL": fake_invitation(),
    "WITH_MEDIATION": "true",
}

# The capacity ramp (Locust's shape) over synthetic users.
CAPACITY_FILES = f"{SYNTHETIC},{REPO / 'locustfiles/locustCapacity.py'}"


def ramp_env(start, step, max_users, hold, settle):
    return {
        "CAPACITY_START": str(start),
        "CAPACITY_STEP": str(step),
        "CAPACITY_MAX": str(max_users),
        "CAPACITY_HOLD": hold,
        "CAPACITY_SETTLE": settle,
        "LOCUST_SPAWN_RATE": "20",
    }
