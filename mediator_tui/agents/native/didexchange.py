"""didexchange/1.0 and 1.1: requester and responder messages.

Our DIDs are did:peer:2 with a DIDComm service (RESEARCH.md §2 item 4); the responder's keys come from the
DID in its response (item 2), or from its attached DID document when the DID is unqualified.
"""

from __future__ import annotations

from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.attachments import attachment_json, signed_attachment
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import message, parent_thread_id, thread_id, type_of

FAMILY = "didexchange/1"


def request(version: str, invitation_id: str, label: str, did: str) -> dict:
    """A request answering invitation `invitation_id`; its @id is the thread id of the exchange."""
    msg = message(f"didexchange/{version}/request", pthid=invitation_id, label=label, did=did)
    msg["~thread"]["thid"] = msg["@id"]
    return msg


def response(request_message: dict, did: str, invitation_key: KeyPair) -> dict:
    """The responder's answer; 1.1 signs the new DID with the invitation key (`did_rotate~attach`)."""
    version = version_of(request_message)
    msg = message(f"didexchange/{version}/response", thid=thread_id(request_message), did=did)
    if version != "1.0":
        msg["did_rotate~attach"] = signed_attachment(did.encode(), invitation_key, "text/string")
    return msg


def complete(response_message: dict, invitation_id: str) -> dict:
    return message(f"didexchange/{version_of(response_message)}/complete",
                   thid=thread_id(response_message), pthid=invitation_id)


def version_of(msg: dict) -> str:
    version = type_of(msg).split("/")[1:2]
    return version[0] if version and version[0] in ("1.0", "1.1") else "1.1"


def their_services(msg: dict) -> list[dids.Service]:
    """DIDComm services of the DID a request or response carries."""
    did = msg.get("did")
    if isinstance(did, str) and did.startswith("did:"):
        return dids.resolve(did)
    doc_attach = msg.get("did_doc~attach")
    if doc_attach is not None:
        return dids.services_of_doc(attachment_json(doc_attach))
    raise DecodeError(f"{type_of(msg)} has neither a resolvable did nor did_doc~attach")


def invitation_id_of(request_message: dict) -> str:
    return parent_thread_id(request_message)
