"""discover-features/1.0: ask the mediator which protocols it offers."""

from __future__ import annotations

from mediator_tui.agents.native.invitation import DIDCOMM_PREFIX, normalise_type
from mediator_tui.agents.native.messages import message


def query(protocol_pattern: str) -> dict:
    """`protocol_pattern` like `messagepickup/*`."""
    return message("discover-features/1.0/query", query=DIDCOMM_PREFIX + protocol_pattern)


def offers(disclose: dict, protocol_prefix: str) -> bool:
    """Whether a disclose lists a protocol starting with `protocol_prefix` (e.g. `messagepickup/2.`)."""
    wanted = DIDCOMM_PREFIX + protocol_prefix
    return any(
        isinstance(p, dict) and normalise_type(p.get("pid")).startswith(wanted) for p in disclose.get("protocols") or []
    )
