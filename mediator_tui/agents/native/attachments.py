"""Attachments (Aries RFC 0017): base64 and JWS-signed (EdDSA) data.

A signed attachment carries a JWS (RFC 7515, flattened or general serialisation) over its base64 data;
the signer is named by the protected header's `jwk` and by a did:key `kid`, as ACA-Py and Credo write them
(see `signed_attachment`).
"""

from __future__ import annotations

import json
from collections.abc import Collection

from mediator_tui.agents.native.errors import DecodeError, KeyDecodeError, SignatureError
from mediator_tui.agents.native.keys import KeyPair, key_from_reference, verify, verkey_to_did_key
from mediator_tui.agents.native.messages import new_id
from mediator_tui.common.b64url import Base64urlError, b64url_decode, b64url_encode


def attachment(data: bytes, mime_type: str = "application/json", attach_id: str = "") -> dict:
    return {"@id": attach_id or new_id(), "mime-type": mime_type, "data": {"base64": b64url_encode(data)}}


def signed_attachment(data: bytes, signer: KeyPair, mime_type: str = "application/json") -> dict:
    """An attachment whose data is signed by `signer` (as DID exchange signs DIDs and DID documents)."""
    attached = attachment(data, mime_type)
    did_key = signer.did_key
    protected = b64url_encode(
        json.dumps(
            {
                "alg": "EdDSA",
                "kid": did_key,
                "jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(signer.verkey), "kid": did_key},
            },
            separators=(",", ":"),
        ).encode()
    )
    payload = attached["data"]["base64"]
    signature = signer.sign(f"{protected}.{payload}".encode("ascii"))
    attached["data"]["jws"] = {
        "header": {"kid": did_key},
        "protected": protected,
        "signature": b64url_encode(signature),
    }
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


def signed_data(attached: object, signers: Collection[bytes], name: str) -> bytes:
    """The data of attachment `name` once its JWS is checked: every signature verifies over the data and is
    by one of `signers`; SignatureError naming what is wrong otherwise."""
    data = attached.get("data") if isinstance(attached, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("base64"), str):
        raise DecodeError(f"{name} has no base64 data")
    content = attachment_bytes(attached)
    jws = data.get("jws")
    if not isinstance(jws, dict):
        raise SignatureError(f"{name} is not signed (no jws)")
    signatures = jws.get("signatures", [jws])
    if not isinstance(signatures, list) or not signatures:
        raise SignatureError(f"{name} has an empty jws")
    # The JWS payload is the data in base64url without padding, whichever base64 the sender wrote.
    payload = data["base64"].strip().replace("+", "-").replace("/", "_").rstrip("=")
    for signature in signatures:
        signer = _verified_signer(signature, payload, name)
        if signer not in signers:
            raise SignatureError(
                f"{name} is signed by {verkey_to_did_key(signer)}, not by the invitation key "
                f"({', '.join(verkey_to_did_key(k) for k in signers)})"
            )
    return content


def _verified_signer(signature: object, payload: str, name: str) -> bytes:
    if not isinstance(signature, dict):
        raise SignatureError(f"{name} has a jws signature that is not an object")
    protected_b64, signature_b64 = signature.get("protected"), signature.get("signature")
    if not isinstance(protected_b64, str) or not isinstance(signature_b64, str):
        raise SignatureError(f"{name} jws lacks its protected header or signature")
    try:
        protected = json.loads(b64url_decode(protected_b64))
        signature_bytes = b64url_decode(signature_b64)
    except (ValueError, RecursionError) as exc:
        raise SignatureError(f"{name} jws is malformed: {exc}") from None
    if not isinstance(protected, dict) or protected.get("alg") != "EdDSA":
        alg = protected.get("alg") if isinstance(protected, dict) else None
        raise SignatureError(f"{name} jws is not EdDSA (alg {alg!r})")
    signer = _signer_key(protected, signature.get("header"), name)
    if not verify(signer, f"{protected_b64}.{payload}".encode("ascii"), signature_bytes):
        raise SignatureError(f"{name} signature by {verkey_to_did_key(signer)} does not verify")
    return signer


def _signer_key(protected: dict, header: object, name: str) -> bytes:
    """The one key the header names: its jwk and its kid (did:key) must agree."""
    named = []
    jwk = protected.get("jwk")
    try:
        if isinstance(jwk, dict):
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
                raise SignatureError(f"{name} jws jwk is not an Ed25519 key")
            named.append(b64url_decode(jwk["x"]))
        for holder in (header, protected, jwk):
            kid = holder.get("kid") if isinstance(holder, dict) else None
            if isinstance(kid, str) and kid.startswith("did:key:"):
                named.append(key_from_reference(kid))
    except (Base64urlError, KeyDecodeError) as exc:
        raise SignatureError(f"{name} jws names its key badly: {exc}") from None
    if not named:
        raise SignatureError(f"{name} jws names no signing key (no jwk, no did:key kid)")
    if any(key != named[0] for key in named):
        raise SignatureError(f"{name} jws names two different keys (jwk and kid disagree)")
    return named[0]
