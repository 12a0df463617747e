"""coordinate-mediation/1.0: mediate-request/grant and keylist-update (the recipient side)."""

from __future__ import annotations

from mediator_tui.agents.interface import ProblemReport
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.keys import key_from_reference, verkey_to_did_key
from mediator_tui.agents.native.messages import message

FAMILY = "coordinate-mediation/1"
# The grant carries no ~thread (docs/didcomm-quirks.md "mediate-grant has no ~thread"): it is matched by type.
GRANT = (FAMILY, "mediate-grant")
DENY = (FAMILY, "mediate-deny")


def mediate_request() -> dict:
    return message("coordinate-mediation/1.0/mediate-request")


def parse_grant(msg: dict) -> tuple[str, tuple[bytes, ...]]:
    """(endpoint, routing keys) of a mediate-grant."""
    endpoint = msg.get("endpoint")
    routing_keys = msg.get("routing_keys")
    if not isinstance(endpoint, str) or not isinstance(routing_keys, list) or not routing_keys:
        raise DecodeError("mediate-grant lacks endpoint or routing_keys")
    return endpoint, tuple(key_from_reference(key) for key in routing_keys)


def keylist_update(keys: list[bytes], action: str = "add") -> dict:
    return message(
        "coordinate-mediation/1.0/keylist-update",
        updates=[{"recipient_key": verkey_to_did_key(key), "action": action} for key in keys],
    )


def check_keylist_update_response(msg: dict, keys: list[bytes]) -> None:
    """ProblemReport naming the key unless every key was updated with result success (or no_change)."""
    results = {}
    for update in msg.get("updated") or []:
        try:
            results[key_from_reference(update.get("recipient_key"))] = update.get("result")
        except (DecodeError, AttributeError):
            continue
    for key in keys:
        result = results.get(key)
        if result not in ("success", "no_change"):
            raise ProblemReport(f"keylist-update for {verkey_to_did_key(key)} answered {result or 'nothing'}")
