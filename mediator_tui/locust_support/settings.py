"""The settings a scenario reads, taken once per process from the tool's config.

`.env` in the working directory, overlaid by the environment (as the tool we replace
read them), validated by `mediator_tui.core.config`: a bad value stops Locust at
start with every problem listed, instead of failing users one by one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from mediator_tui.core.config import load_config
from mediator_tui.core.mediator import EMBEDDED_MEDIATOR_ENV, InvitationRotator, LocalMediator


@dataclass(frozen=True)
class ScenarioSettings:
    mediation_url: str
    with_mediation: bool
    pickup_strategy: str
    engine: str
    agent_ip: str
    start_port: int
    end_port: int
    workers_per_host: int
    min_wait: float
    max_wait: float
    timeout: float
    # The onboarding gate of each worker: the cap on onboardings in flight to begin with, its ceiling (0: no
    # cap) and the latency under which it grows (mediator_tui/locust_support/onboarding_gate.py).
    onboarding_start: int
    onboarding_max: int
    onboarding_target_s: float
    message: str
    connections_per_agent: int
    offline_seconds: float
    offline_messages: int
    issuer_url: str
    issuer_headers: dict
    issuer_type: str
    cred_def: str
    cred_attr: list
    schema: str
    is_anoncreds: bool
    # The invitation the next onboarding uses: rotated on the embedded mediator, else MEDIATION_URL.
    next_invitation: Callable[[], str]
    # Scrubs secret settings (issuer headers, URL passwords) out of text that leaves the worker.
    redact: Callable[[str], str]


@lru_cache(maxsize=1)
def scenario_settings() -> ScenarioSettings:
    config = load_config()
    values = config.values
    invitation = values["MEDIATION_URL"]
    mediation_url = invitation.url if invitation is not None else ""
    return ScenarioSettings(
        mediation_url=mediation_url,
        with_mediation=values["WITH_MEDIATION"],
        pickup_strategy=values["PICKUP_STRATEGY"],
        engine=values["AGENT_ENGINE"],
        agent_ip=values["AGENT_IP"],
        start_port=values["START_PORT"],
        end_port=values["END_PORT"],
        workers_per_host=values["LOCUST_WORKERS"],
        min_wait=values["LOCUST_MIN_WAIT"],
        max_wait=values["LOCUST_MAX_WAIT"],
        timeout=values["VERIFIED_TIMEOUT_SECONDS"],
        onboarding_start=values["ONBOARDING_START_IN_FLIGHT"],
        onboarding_max=values["ONBOARDING_MAX_IN_FLIGHT"],
        onboarding_target_s=values["ONBOARDING_TARGET_LATENCY"],
        message=values["MESSAGE_TO_SEND"],
        connections_per_agent=values["CONNECTIONS_PER_AGENT"],
        offline_seconds=values["OFFLINE_SECONDS"],
        offline_messages=values["OFFLINE_MESSAGES"],
        issuer_url=values["ISSUER_URL"],
        issuer_headers=dict(values["ISSUER_HEADERS"]),
        issuer_type=values["ISSUER_TYPE"],
        cred_def=values["CRED_DEF"],
        cred_attr=list(values["CRED_ATTR"]),
        schema=values["SCHEMA"],
        is_anoncreds=values["IS_ANONCREDS"],
        next_invitation=_invitation_source(mediation_url, values["INVITATION_ROTATE_EVERY"]),
        redact=config.redactor(),
    )


def _invitation_source(mediation_url: str, rotate_every: int) -> Callable[[], str]:
    state = os.environ.get(EMBEDDED_MEDIATOR_ENV)
    if not state or rotate_every < 1:
        return lambda: mediation_url
    rotator: InvitationRotator = LocalMediator.from_state(json.loads(state)).rotator(rotate_every)
    return rotator.next
