"""connections/1.0 (invitee side), for legacy `c_i` invitations."""

from __future__ import annotations

import json

from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.errors import DecodeError, SignatureError
from mediator_tui.agents.native.keys import KeyPair, decode_b58_verkey, verify
from mediator_tui.agents.native.messages import message
from mediator_tui.common.b64url import b64url_decode

FAMILY = "connections/1"


def request(label: str, key: KeyPair, endpoint: str, routing_keys: tuple[bytes, ...] = ()) -> dict:
    did, doc = dids.legacy_did_and_doc(key.verkey, endpoint, routing_keys)
    return message("connections/1.0/request", label=label, connection={"DID": did, "DIDDoc": doc})


def their_services(response_message: dict, invitation_key: bytes) -> list[dids.Service]:
    """Services of the DID document in a response, after checking `connection~sig` by the invitation key."""
    sig = response_message.get("connection~sig")
    if not isinstance(sig, dict):
        raise SignatureError("connections response has no connection~sig")
    fields = [value for name in ("signer", "sig_data", "signature") if isinstance(value := sig.get(name), str)]
    if len(fields) != 3:
        raise DecodeError("connection~sig lacks signer, sig_data or signature")
    try:
        signer = decode_b58_verkey(fields[0])
        sig_data = b64url_decode(fields[1])
        signature = b64url_decode(fields[2])
    except ValueError as exc:
        raise DecodeError(f"connection~sig is malformed: {exc}") from None
    if signer != invitation_key:
        raise SignatureError("connection~sig is not signed by the invitation key")
    if not verify(signer, sig_data, signature):
        raise SignatureError("connection~sig signature does not verify")
    try:
        connection = json.loads(sig_data[8:])  # 8-byte timestamp, then the JSON
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"connection~sig data is not JSON: {exc}") from None
    if not isinstance(connection, dict):
        raise DecodeError("connection~sig data is not an object")
    return dids.services_of_doc(connection.get("DIDDoc"))
