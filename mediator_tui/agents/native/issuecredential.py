"""issue-credential/2.0, holder side, for `ld_proof` (W3C JSON-LD) credentials."""

from __future__ import annotations

import json

from mediator_tui.agents.native.attachments import attachment, attachment_json
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.messages import message, thread_id

FAMILY = "issue-credential/2"
LD_PROOF_DETAIL = "aries/ld-proof-vc-detail@v1.0"
LD_PROOF_VC = "aries/ld-proof-vc@v1.0"


def _attachment_of_format(msg: dict, attach_field: str, wanted: str) -> dict:
    formats = {f.get("attach_id"): f.get("format") for f in msg.get("formats") or [] if isinstance(f, dict)}
    for attached in msg.get(attach_field) or []:
        if isinstance(attached, dict) and formats.get(attached.get("@id")) == wanted:
            return attached
    named = sorted({str(f) for f in formats.values()})  # a format entry without "format" names None
    raise DecodeError(f"{attach_field} has no {wanted} attachment (formats: {named})")


def request_for(offer: dict) -> dict:
    """Request exactly the offered ld_proof credential detail."""
    detail = attachment_json(_attachment_of_format(offer, "offers~attach", LD_PROOF_DETAIL))
    request = message(
        "issue-credential/2.0/request-credential",
        thid=thread_id(offer),
        formats=[{"attach_id": "ld_proof", "format": LD_PROOF_DETAIL}],
    )
    request["requests~attach"] = [attachment(json.dumps(detail).encode(), attach_id="ld_proof")]
    return request


def credential_of(issue: dict) -> dict:
    credential = attachment_json(_attachment_of_format(issue, "credentials~attach", LD_PROOF_VC))
    if not isinstance(credential, dict):
        raise DecodeError("issued credential is not a JSON object")
    return credential


def ack(issue: dict) -> dict:
    return message("issue-credential/2.0/ack", thid=thread_id(issue), status="OK")
