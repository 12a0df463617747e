"""didexchange/1.0 and 1.1 (Aries RFC 0023): requester and responder messages.

Our DIDs are did:peer:2 with a DIDComm service (docs/didcomm-quirks.md "Our did:peer:2 must carry a DIDComm
service"); the responder's keys come from the DID in its response (docs/didcomm-quirks.md "DID exchange
response"), or from its attached DID document when the DID is unqualified. A response is
vouched for by the invitation's key: it signs the new DID (`did_rotate~attach`, 1.1) or the DID document
(`did_doc~attach`, 1.0 and unqualified DIDs); an answer without such a signature is refused, as ACA-Py
and Credo refuse one.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native import wire_json
from mediator_tui.agents.native.attachments import attachment_json, signed_attachment, signed_data
from mediator_tui.agents.native.errors import DecodeError, SignatureError
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import message, parent_thread_id, thread_id, type_of

FAMILY = "didexchange/1"


def request(version: str, invitation_id: str, label: str, did: str) -> dict:
    """A request answering invitation `invitation_id`; its @id is the thread id of the exchange."""
    msg = message(f"didexchange/{version}/request", pthid=invitation_id, label=label, did=did)
    msg["~thread"]["thid"] = msg["@id"]
    return msg


def response(
    request_message: dict, key: KeyPair, endpoint: str, routing_keys: tuple[bytes, ...], invitation_key: KeyPair
) -> dict:
    """The responder's answer with a new DID for `key`, signed by the invitation key: 1.1 a did:peer:2 in
    `did_rotate~attach`, 1.0 an unqualified DID and its document in `did_doc~attach`."""
    version = version_of(request_message)
    if version == "1.0":
        did, doc = dids.legacy_did_and_doc(key.verkey, endpoint, routing_keys)
        msg = message(f"didexchange/{version}/response", thid=thread_id(request_message), did=did)
        msg["did_doc~attach"] = signed_attachment(wire_json.dump(doc), invitation_key)
        return msg
    did = dids.create_peer2(key.verkey, endpoint, routing_keys)
    msg = message(f"didexchange/{version}/response", thid=thread_id(request_message), did=did)
    msg["did_rotate~attach"] = signed_attachment(did.encode(), invitation_key, "text/string")
    return msg


def complete(response_message: dict, invitation_id: str) -> dict:
    return message(
        f"didexchange/{version_of(response_message)}/complete", thid=thread_id(response_message), pthid=invitation_id
    )


def version_of(msg: dict) -> str:
    version = type_of(msg).split("/")[1:2]
    return version[0] if version and version[0] in ("1.0", "1.1") else "1.1"


def response_services(response_message: dict, invitation_keys: Collection[bytes]) -> list[dids.Service]:
    """DIDComm services of the responder's DID, once its signed attachments are checked against the keys
    of the invitation it answers: SignatureError (or DecodeError) naming what is wrong."""
    did = response_message.get("did")
    rotate, doc_attach = response_message.get("did_rotate~attach"), response_message.get("did_doc~attach")
    if rotate is None and doc_attach is None:
        raise SignatureError(
            "response has neither did_rotate~attach nor did_doc~attach: nothing in it is signed by the invitation key"
        )
    if rotate is not None:
        signed = signed_data(rotate, invitation_keys, "did_rotate~attach")
        if signed != str(did).encode():
            raise SignatureError(f"did_rotate~attach signs {signed[:80]!r}, not the response's did {str(did)[:80]!r}")
    if doc_attach is None:
        return their_services(response_message)
    signed_doc = signed_data(doc_attach, invitation_keys, "did_doc~attach")
    try:
        doc = json.loads(signed_doc)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"did_doc~attach is not JSON: {exc}") from None
    doc_id = doc.get("id") if isinstance(doc, dict) else None
    # a legacy document names an unqualified DID with its did:sov: prefix
    if did is not None and doc_id not in (did, f"did:sov:{did}"):
        raise SignatureError(f"did_doc~attach describes {str(doc_id)[:80]!r}, not the response's did {str(did)[:80]!r}")
    return dids.services_of_doc(doc)


def their_services(msg: dict) -> list[dids.Service]:
    """DIDComm services of the DID a request or response carries (nothing checked: see response_services)."""
    did = msg.get("did")
    if isinstance(did, str) and did.startswith("did:"):
        return dids.resolve(did)
    doc_attach = msg.get("did_doc~attach")
    if doc_attach is not None:
        return dids.services_of_doc(attachment_json(doc_attach))
    raise DecodeError(f"{type_of(msg)} has neither a resolvable did nor did_doc~attach")


def invitation_id_of(request_message: dict) -> str:
    return parent_thread_id(request_message)
