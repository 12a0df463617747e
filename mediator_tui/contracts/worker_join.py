"""What a worker from another host and the master say when it joins (`mediator-tui worker`).

The worker sends its tool version in a Locust custom message; the master answers with its own
version, the run's settings that travel (core/config/travelling.py) and the names of the secret
settings the run uses (never their values), or with a refusal naming both versions. Both sides
read the other's payload with these readers, which never raise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mediator_tui.contracts.fields import as_dict, as_list, as_text

# The Locust message type of the question and of the answer.
JOIN_MESSAGE = "mediator_tui_join"


def refusal(worker_version: str, master_version: str) -> str:
    """Why a worker may not join, or "" when it may: only the same release reads the same settings."""
    if worker_version == master_version:
        return ""
    return (
        f"worker {worker_version or '(unknown version)'} refused by master {master_version}: install the same version"
    )


def join_request(version: str) -> dict[str, Any]:
    return {"version": version}


def read_join_request(raw: object) -> str:
    """The joining worker's version; "" when it sent none."""
    return as_text(as_dict(raw).get("version"))


@dataclass(frozen=True)
class JoinReply:
    master_version: str
    settings: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # the secret settings the run uses, by name
    refused: str = ""  # why the master refuses this worker; "" when it accepts it

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.master_version,
            "settings": self.settings,
            "secrets": list(self.secrets),
            "refused": self.refused,
        }


def read_join_reply(raw: object) -> JoinReply:
    """The master's answer; settings that are not text are dropped."""
    payload = as_dict(raw)
    settings = {str(key): value for key, value in as_dict(payload.get("settings")).items() if isinstance(value, str)}
    secrets = tuple(name for name in as_list(payload.get("secrets")) if isinstance(name, str))
    return JoinReply(as_text(payload.get("version")), settings, secrets, as_text(payload.get("refused")))
