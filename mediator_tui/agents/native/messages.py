"""Plaintext DIDComm v1 message helpers shared by the protocol modules."""

from __future__ import annotations

import uuid
from typing import Any

from mediator_tui.agents.native.invitation import DIDCOMM_PREFIX, normalise_type


def new_id() -> str:
    return str(uuid.uuid4())


def message(type_suffix: str, thid: str = "", pthid: str = "", **fields) -> dict:
    """A message of type https://didcomm.org/<type_suffix>, with a thread when thid/pthid are given."""
    msg: dict[str, Any] = {"@type": DIDCOMM_PREFIX + type_suffix, "@id": new_id()}
    thread = {k: v for k, v in (("thid", thid), ("pthid", pthid)) if v}
    if thread:
        msg["~thread"] = thread
    msg.update(fields)
    return msg


def type_of(msg: dict) -> str:
    """`family/version/name` (e.g. `trust_ping/1.0/ping`), whichever prefix the sender used."""
    full = normalise_type(msg.get("@type"))
    return full[len(DIDCOMM_PREFIX) :] if full.startswith(DIDCOMM_PREFIX) else full


def family_and_name(msg: dict) -> tuple[str, str]:
    """(`family/major`, `name`): minor versions of a protocol are handled alike."""
    family, _, rest = type_of(msg).partition("/")
    version, _, name = rest.partition("/")
    return f"{family}/{version.split('.')[0]}", name


def thread_id(msg: dict) -> str:
    thread = msg.get("~thread")
    thid = thread.get("thid") if isinstance(thread, dict) else None
    return thid if isinstance(thid, str) and thid else str(msg.get("@id", ""))


def parent_thread_id(msg: dict) -> str:
    thread = msg.get("~thread")
    pthid = thread.get("pthid") if isinstance(thread, dict) else None
    return pthid if isinstance(pthid, str) else ""


def problem_text(msg: dict) -> str:
    """The human text of a problem report (report-problem/1.0 or a protocol's own problem_report)."""
    description = msg.get("description")
    if isinstance(description, dict):
        text = description.get("en") or description.get("code")
        if text:
            return str(text)
    for name in ("explain", "comment", "problem_code"):
        if msg.get(name):
            return str(msg[name])
    return f"problem report without text: {type_of(msg)}"
