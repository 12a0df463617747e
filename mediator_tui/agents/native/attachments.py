"""Attachments (Aries RFC 0017): base64 and JWS-signed (EdDSA) data."""

from __future__ import annotations

import json

from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import new_id
from mediator_tui.common.b64url import b64url_decode, b64url_encode


def attachment(data: bytes, mime_type: str = "application/json", attach_id: str = "") -> dict:
    return {"@id": attach_id or new_id(), "mime-type": mime_type, "data": {"base64": b64url_encode(data)}}


def signed_attachment(data: bytes, signer: KeyPair, mime_type: str = "application/json") -> dict:
    """An attachment whose data is signed by `signer` (as DID exchange signs DIDs and DID documents)."""
    attached = attachment(data, mime_type)
    did_key = signer.did_key
    protected = b64url_encode(json.dumps({
        "alg": "EdDSA", "kid": did_key,
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(signer.verkey), "kid": did_key},
    }, separators=(",", ":")).encode())
    payload = attached["data"]["base64"]
    signature = signer.sign(f"{protected}.{payload}".encode("ascii"))
    attached["data"]["jws"] = {"header": {"kid": did_key}, "protected": protected,
                               "signature": b64url_encode(signature)}
    return attached


def attachment_bytes(attached: object) -> bytes:
    """The data of a base64 or json attachment."""
    data = attached.get("data") if isinstance(attached, dict) else None
    if not isinstance(data, dict):
        raise DecodeError("attachment has no data")
    if isinstance(data.get("base64"), str):
        try:
            return b64url_decode(data["base64"])
        except ValueError as exc:
            raise DecodeError(f"attachment data: {exc}") from None
    if "json" in data:
        return json.dumps(data["json"]).encode()
    raise DecodeError("attachment data is neither base64 nor json")


def attachment_json(attached: object) -> object:
    try:
        return json.loads(attachment_bytes(attached))
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"attachment is not JSON: {exc}") from None
