"""A DID exchange response is taken only when the invitation's key vouches for it (Aries RFC 0023): the
signed DID (`did_rotate~attach`, 1.1) or DID document (`did_doc~attach`, 1.0). Forged, tampered and unsigned
responses are refused with a SignatureError naming what is wrong; native agents answer each other in both
versions. Real ACA-Py and Credo responses are accepted in tests/mediator/test_native_agent.py."""

import base64
import json

import pytest

from mediator_tui.agents.interface import AgentTimeout, StartOptions
from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native import didexchange
from mediator_tui.agents.native.agent import NativeAgent
from mediator_tui.agents.native.attachments import signed_attachment
from mediator_tui.agents.native.errors import SignatureError
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.common.b64url import b64url_decode, b64url_encode
from mediator_tui.core.processes import free_loopback_ports
from tests.unit.agents.native.fake_mediator import FakeMediator

INVITATION_KEY, RESPONDER_KEY = KeyPair(b"i" * 32), KeyPair(b"r" * 32)
ENDPOINT = "http://127.0.0.1:9000"


def response(version: str) -> dict:
    request = didexchange.request(version, "inv-1", "requester", dids.create_peer2(KeyPair().verkey, ENDPOINT))
    return didexchange.response(request, RESPONDER_KEY, ENDPOINT, (), INVITATION_KEY)


def attached(msg: dict) -> dict:
    return msg.get("did_rotate~attach") or msg["did_doc~attach"]


def check(msg: dict):
    return didexchange.response_services(msg, [INVITATION_KEY.verkey])


@pytest.mark.parametrize("version, attachment", [("1.1", "did_rotate~attach"), ("1.0", "did_doc~attach")])
def test_a_response_signed_by_the_invitation_key_gives_the_responders_service(version, attachment):
    msg = response(version)
    assert attachment in msg
    assert check(msg) == [dids.Service((RESPONDER_KEY.verkey,), (), ENDPOINT)]


def flip_signature(msg: dict) -> None:
    jws = attached(msg)["data"]["jws"]
    signature = bytearray(b64url_decode(jws["signature"]))
    signature[0] ^= 1
    jws["signature"] = b64url_encode(bytes(signature))


def other_data(msg: dict) -> None:
    """The forger's DID (or document) under the signature of the responder's."""
    if "did_rotate~attach" in msg:
        msg["did"] = dids.create_peer2(KeyPair().verkey, "http://evil:1")
        attached(msg)["data"]["base64"] = b64url_encode(msg["did"].encode())
    else:
        doc = json.loads(b64url_decode(attached(msg)["data"]["base64"]))
        doc["service"][0]["serviceEndpoint"] = "http://evil:1"
        attached(msg)["data"]["base64"] = b64url_encode(json.dumps(doc).encode())


def signed_by_a_stranger(msg: dict) -> None:
    data = b64url_decode(attached(msg)["data"]["base64"])
    attached(msg)["data"] = signed_attachment(data, KeyPair())["data"]


def unsigned(msg: dict) -> None:
    del attached(msg)["data"]["jws"]


def no_attachment(msg: dict) -> None:
    msg.pop("did_rotate~attach", None)
    msg.pop("did_doc~attach", None)


def kid_of_a_stranger(msg: dict) -> None:
    attached(msg)["data"]["jws"]["header"]["kid"] = KeyPair().did_key


def another_did_than_signed(msg: dict) -> None:
    msg["did"] = dids.create_peer2(KeyPair().verkey, "http://evil:1")


@pytest.mark.parametrize("version", ["1.1", "1.0"])
@pytest.mark.parametrize(
    "tamper, error",
    [
        (flip_signature, "signature by did:key:z6Mk.* does not verify"),
        (other_data, "signature by did:key:z6Mk.* does not verify"),
        (signed_by_a_stranger, "is signed by did:key:z6Mk.*, not by the invitation key"),
        (unsigned, "is not signed \\(no jws\\)"),
        (no_attachment, "neither did_rotate~attach nor did_doc~attach"),
        (kid_of_a_stranger, "names two different keys"),
        (another_did_than_signed, "not the response's did"),
    ],
)
def test_a_forged_or_tampered_response_is_refused_naming_what_is_wrong(version, tamper, error):
    msg = response(version)
    tamper(msg)
    with pytest.raises(SignatureError, match=error):
        check(msg)


def test_the_general_jws_form_and_padded_standard_base64_are_read_as_credo_writes_them():
    msg = response("1.0")
    data = attached(msg)["data"]
    data["base64"] = base64.b64encode(b64url_decode(data["base64"])).decode()  # padded, standard alphabet
    data["jws"] = {"signatures": [data["jws"]]}
    assert check(msg)[0].recipient_keys == (RESPONDER_KEY.verkey,)
    data["jws"]["signatures"].append(signed_attachment(b"x", KeyPair())["data"]["jws"])
    with pytest.raises(SignatureError):  # every signature must be good and the invitation's
        check(msg)


def test_an_agent_refuses_a_mediator_whose_response_is_forged_with_a_typed_error():
    mediator = FakeMediator(alter_response=flip_signature)
    agent = NativeAgent(timeout=5)
    try:
        with pytest.raises(SignatureError, match="^didexchange/1.1 response: did_rotate~attach signature by did"):
            agent.start(StartOptions(mediation_url=mediator.invitation_url()))
        assert not agent.alive
    finally:
        agent.shutdown()
        mediator.stop()


def only(url: str, protocol: str) -> str:
    """`url` (an OOB invitation of ours) offering only `protocol`."""
    base, _, encoded = url.partition("?oob=")
    invitation = json.loads(b64url_decode(encoded))
    invitation["handshake_protocols"] = [f"https://didcomm.org/{protocol}"]
    return f"{base}?oob={b64url_encode(json.dumps(invitation).encode())}"


@pytest.mark.parametrize("protocol", ["didexchange/1.0", "didexchange/1.1"])
def test_a_native_agent_answers_another_ones_request_and_they_exchange_messages(protocol):
    inviter, invitee = NativeAgent(timeout=5, label="inviter"), NativeAgent(timeout=5, label="invitee")
    try:
        for agent, port in zip((inviter, invitee), free_loopback_ports(2), strict=True):
            agent.start(StartOptions(with_mediation=False, port=port))
        connection = invitee.receive_invitation(only(inviter.create_invitation(), protocol))
        invitee.send_message(connection, f"hello over {protocol}")
        received = inviter.receive_message()
        assert received.content == f"hello over {protocol}"
        inviter.send_message(received.connection_id, "hello back")
        assert invitee.receive_message().content == "hello back"
    finally:
        inviter.shutdown()
        invitee.shutdown()


def test_a_request_to_an_invitation_the_agent_did_not_make_gets_no_answer():
    inviter, invitee = NativeAgent(timeout=1), NativeAgent(timeout=1)
    try:
        for agent, port in zip((inviter, invitee), free_loopback_ports(2), strict=True):
            agent.start(StartOptions(with_mediation=False, port=port))
        base, _, encoded = inviter.create_invitation().partition("?oob=")
        invitation = json.loads(b64url_decode(encoded))
        invitation["@id"] = "an-invitation-of-someone-else"
        with pytest.raises(AgentTimeout):
            invitee.receive_invitation(f"{base}?oob={b64url_encode(json.dumps(invitation).encode())}")
    finally:
        inviter.shutdown()
        invitee.shutdown()
