"""DIDs this engine writes (did:peer:2, legacy DID documents) and reads (did:peer:2, did:peer:4 long form,
did:key, attached DID documents) down to what DIDComm v1 needs: recipient keys, routing keys, endpoint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

import base58

from mediator_tui.agents.native import wire_json
from mediator_tui.agents.native.errors import DIDError, KeyDecodeError
from mediator_tui.agents.native.keys import (
    b58_verkey,
    decode_b58_verkey,
    decode_multikey,
    did_key_url,
    key_from_reference,
    multikey,
)
from mediator_tui.common.b64url import b64url_decode, b64url_encode

DIDCOMM_V1_SERVICE_TYPES = ("did-communication", "IndyAgent")
_PEER2_PURPOSES = "VEAID"
_PEER2_ABBREVIATIONS = {"t": "type", "s": "serviceEndpoint", "r": "routingKeys", "a": "accept"}
_PEER2_VALUE_ABBREVIATIONS = {"dm": "DIDCommMessaging"}
_MULTICODEC_JSON = b"\x80\x04"
_MULTIHASH_SHA2_256 = b"\x12\x20"


class Service(NamedTuple):
    recipient_keys: tuple[bytes, ...]
    routing_keys: tuple[bytes, ...]
    endpoint: str


def create_peer2(verkey: bytes, endpoint: str, routing_keys: Sequence[bytes] = ()) -> str:
    """A did:peer:2 with one Ed25519 key and a DIDComm v1 service (ACA-Py refuses a DID without one)."""
    service = {
        "t": "did-communication",
        "s": endpoint,
        "r": [did_key_url(key) for key in routing_keys],
        "recipientKeys": ["#key-1"],
        "id": "#didcomm-0",
        "priority": 0,
    }
    encoded_service = b64url_encode(wire_json.dump(service))
    return f"did:peer:2.V{multikey(verkey)}.S{encoded_service}"


def legacy_did_doc(did: str, verkey_b58: str, endpoint: str, routing_keys_b58: Sequence[str] = ()) -> dict:
    """The DID document connections/1.0 and DID exchange 1.0 attach for an unqualified DID."""
    return {
        "@context": "https://w3id.org/did/v1",
        "id": did,
        "publicKey": [
            {"id": f"{did}#1", "type": "Ed25519VerificationKey2018", "controller": did, "publicKeyBase58": verkey_b58}
        ],
        "authentication": [{"type": "Ed25519SignatureAuthentication2018", "publicKey": f"{did}#1"}],
        "service": [
            {
                "id": f"{did};indy",
                "type": "IndyAgent",
                "priority": 0,
                "recipientKeys": [verkey_b58],
                "routingKeys": list(routing_keys_b58),
                "serviceEndpoint": endpoint,
            }
        ],
    }


def legacy_did_and_doc(verkey: bytes, endpoint: str, routing_keys: tuple[bytes, ...] = ()) -> tuple[str, dict]:
    """An unqualified DID for `verkey` and its legacy DID document (connections/1.0, DID exchange 1.0)."""
    did = unqualified_did(verkey)
    return did, legacy_did_doc(did, b58_verkey(verkey), endpoint, [b58_verkey(k) for k in routing_keys])


def unqualified_did(verkey: bytes) -> str:
    """The sov-style DID of a verkey (its first 16 bytes in base58), as connections/1.0 expects."""
    return base58.b58encode(verkey[:16]).decode("ascii")


def resolve(did: str) -> list[Service]:
    """The DIDComm v1 services of a self-certifying DID; DIDError when the DID method is not one we read."""
    if not isinstance(did, str):
        raise DIDError(f"DID {did!r} is not a string")
    if did.startswith("did:peer:2"):
        return services_of_doc(_peer2_doc(did))
    if did.startswith("did:peer:4"):
        return services_of_doc(_peer4_doc(did))
    if did.startswith("did:key:"):
        return [Service((key_from_reference(did),), (), "")]
    raise DIDError(f"cannot resolve {did[:80]!r}: only did:peer:2, did:peer:4 (long form) and did:key are supported")


def services_of_doc(doc: object) -> list[Service]:
    """DIDComm v1 services of a DID document (legacy `publicKey` or current `verificationMethod` keys)."""
    if not isinstance(doc, dict):
        raise DIDError("DID document is not an object")
    did = doc.get("id", "")
    keys = {}
    for method in _list(doc.get("verificationMethod")) + _list(doc.get("publicKey")):
        if isinstance(method, dict) and isinstance(method.get("id"), str):
            key = _method_key(method)
            if key is not None:
                keys[method["id"]] = key
                keys[method["id"].rpartition("#")[2]] = key
    services = []
    for service in _list(doc.get("service")):
        if not isinstance(service, dict):
            continue
        endpoint = service.get("serviceEndpoint")
        routing = service.get("routingKeys", [])
        if isinstance(endpoint, dict):  # DIDCommMessaging style
            routing = endpoint.get("routingKeys", routing)
            endpoint = endpoint.get("uri")
        if service.get("type") not in DIDCOMM_V1_SERVICE_TYPES and not service.get("recipientKeys"):
            continue
        if not isinstance(endpoint, str):
            continue
        recipients = tuple(_resolve_key(ref, keys, did) for ref in _list(service.get("recipientKeys")))
        if not recipients:
            continue
        services.append(Service(recipients, tuple(_resolve_key(ref, keys, did) for ref in _list(routing)), endpoint))
    if not services:
        raise DIDError(f"DID document {str(did)[:80]!r} has no DIDComm v1 service with recipient keys")
    return services


def preferred(services: list[Service], websocket: bool = True) -> Service:
    """The service to talk to: a websocket one when asked and offered, else the first."""
    if websocket:
        for service in services:
            if service.endpoint.startswith(("ws://", "wss://")):
                return service
    return services[0]


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _method_key(method: dict) -> bytes | None:
    try:
        if "publicKeyBase58" in method:
            return decode_b58_verkey(method["publicKeyBase58"])
        if "publicKeyMultibase" in method:
            return decode_multikey(method["publicKeyMultibase"])
    except (KeyDecodeError, TypeError):
        return None  # an X25519 or other key: not a recipient key in DIDComm v1
    return None


def _resolve_key(ref: object, keys: dict, did: str) -> bytes:
    if not isinstance(ref, str):
        raise DIDError(f"key reference {ref!r} is not a string")
    if ref.startswith("did:key:"):
        return key_from_reference(ref)
    for candidate in (ref, ref.rpartition("#")[2]):
        if candidate in keys:
            return keys[candidate]
    if "#" in ref:
        raise DIDError(f"key reference {ref!r} names no key of {str(did)[:80]!r}")
    return decode_b58_verkey(ref)


def _peer2_doc(did: str) -> dict:
    methods: list[dict[str, Any]] = []
    services: list[object] = []  # as the DID carries them: a service need not be an object
    for element in did.split(".")[1:]:
        purpose, value = element[:1], element[1:]
        if purpose in _PEER2_PURPOSES:
            methods.append({"id": f"#key-{len(methods) + 1}", "publicKeyMultibase": value})
        elif purpose == "S":
            try:
                service = json.loads(b64url_decode(value))
            except (ValueError, RecursionError) as exc:
                raise DIDError(f"did:peer:2 service is not base64url JSON: {exc}") from None
            services.append(_expand_peer2(service))
        else:
            raise DIDError(f"did:peer:2 element {element[:40]!r} has an unknown purpose {purpose!r}")
    return {"id": did, "verificationMethod": methods, "service": services}


def _expand_peer2(value: object) -> object:
    if isinstance(value, dict):
        return {_PEER2_ABBREVIATIONS.get(k, k): _expand_peer2(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_peer2(v) for v in value]
    return _PEER2_VALUE_ABBREVIATIONS.get(value, value) if isinstance(value, str) else value


def _peer4_doc(did: str) -> dict:
    parts = did.split(":")
    if len(parts) != 4 or not parts[3].startswith("z"):
        raise DIDError(f"{did[:80]!r} is a short-form did:peer:4; only the long form carries its document")
    # The short form is the multihash of the encoded document (https://identity.foundation/peer-did-method-spec/,
    # method 4): a long form whose document was altered no longer matches it.
    digest = hashlib.sha256(parts[3].encode("ascii", "replace")).digest()
    if parts[2][1:] != "z" + base58.b58encode(_MULTIHASH_SHA2_256 + digest).decode("ascii"):
        raise DIDError(f"did:peer:4 {parts[2][:60]!r}: its hash does not match the document it carries")
    try:
        raw = base58.b58decode(parts[3][1:])
    except ValueError:
        raise DIDError("did:peer:4 document is not base58") from None
    if not raw.startswith(_MULTICODEC_JSON):
        raise DIDError("did:peer:4 document is not multicodec JSON")
    try:
        doc = json.loads(raw[len(_MULTICODEC_JSON) :])
    except (ValueError, RecursionError) as exc:
        raise DIDError(f"did:peer:4 document is not JSON: {exc}") from None
    if isinstance(doc, dict):
        doc.setdefault("id", did)
    return doc
