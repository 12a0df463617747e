"""Invitation URLs read down to what a handshake needs; anything unusable is an InvitationError."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator_tui.agents.native.did import create_peer2
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.invitation import parse_invitation_url
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.common.b64url import b64url_encode
from mediator_tui.common.invitation import InvitationError

KEY, ROUTER = KeyPair(b"k" * 32), KeyPair(b"r" * 32)
OOB = {
    "@type": "https://didcomm.org/out-of-band/1.1/invitation",
    "@id": "inv-1",
    "label": "Mediator",
    "handshake_protocols": ["https://didcomm.org/didexchange/1.1"],
    "services": [
        {
            "id": "#inline",
            "type": "did-communication",
            "recipientKeys": [KEY.did_key + "#" + KEY.did_key[8:]],
            "routingKeys": [ROUTER.did_key],
            "serviceEndpoint": "http://127.0.0.1:8000",
        }
    ],
}
C_I = {
    "@type": "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/connections/1.0/invitation",
    "@id": "inv-2",
    "label": "Legacy",
    "recipientKeys": [KEY.verkey_b58],
    "serviceEndpoint": "http://127.0.0.1:8000",
}


def url(param: str, message: dict, padded: bool = False) -> str:
    encoded = b64url_encode(json.dumps(message).encode())
    return f"http://127.0.0.1:8000?{param}={encoded + '=' * (-len(encoded) % 4) if padded else encoded}"


@pytest.mark.parametrize("padded", [False, True])
def test_oob_gives_keys_endpoint_and_handshake(padded):
    parsed = parse_invitation_url(url("oob", OOB, padded))
    assert (parsed.kind, parsed.id, parsed.label) == ("oob", "inv-1", "Mediator")
    assert parsed.recipient_keys == (KEY.verkey,) and parsed.routing_keys == (ROUTER.verkey,)
    assert parsed.endpoint == "http://127.0.0.1:8000"
    assert parsed.handshake() == "didexchange/1.1"


def test_legacy_c_i_with_sov_prefix():
    parsed = parse_invitation_url(url("c_i", C_I))
    assert parsed.kind == "c_i" and parsed.recipient_keys == (KEY.verkey,)
    assert parsed.handshake() == "connections/1.0"


def test_oob_service_given_as_did_peer_2():
    message = dict(OOB, services=[create_peer2(KEY.verkey, "ws://127.0.0.1:8001", [ROUTER.verkey])])
    parsed = parse_invitation_url(url("oob", message))
    assert (parsed.recipient_keys, parsed.routing_keys, parsed.endpoint) == (
        (KEY.verkey,),
        (ROUTER.verkey,),
        "ws://127.0.0.1:8001",
    )


def test_unspoken_handshake_names_what_was_offered():
    parsed = parse_invitation_url(url("oob", dict(OOB, handshake_protocols=["https://didcomm.org/didexchange/2.0"])))
    with pytest.raises(InvitationError, match="didexchange/2.0"):
        parsed.handshake()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"handshake_protocols": []}, "no handshake_protocols"),
        ({"services": ["did:sov:123"]}, "no usable service.*only did:peer:2"),
        ({"services": [dict(OOB["services"][0], serviceEndpoint="ftp://x")]}, "not an http"),
        ({"services": [dict(OOB["services"][0], recipientKeys=["did:key:zNope"])]}, "recipientKeys"),
    ],
)
def test_unusable_oob_says_why(change, message):
    with pytest.raises(InvitationError, match=message):
        parse_invitation_url(url("oob", dict(OOB, **change)))


def test_c_i_with_public_did_is_refused_with_reason():
    with pytest.raises(InvitationError, match="public DID"):
        parse_invitation_url(url("c_i", {"@type": C_I["@type"], "@id": "x", "did": "did:sov:abc"}))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=15), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["@id", "label", "handshake_protocols", "services"]), json_values)
def test_oob_field_replaced_by_garbage(name, value):
    try:
        parse_invitation_url(url("oob", dict(OOB, **{name: value})))
    except (InvitationError, DecodeError):
        pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["recipientKeys", "routingKeys", "serviceEndpoint"]), json_values)
def test_service_field_replaced_by_garbage(name, value):
    service = dict(OOB["services"][0], **{name: value})
    try:
        parse_invitation_url(url("oob", dict(OOB, services=[service])))
    except (InvitationError, DecodeError):
        pass


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(url("oob", OOB)) - 1))
def test_truncated_url(cut):
    try:
        parse_invitation_url(url("oob", OOB)[:cut])
    except (InvitationError, DecodeError):
        pass
