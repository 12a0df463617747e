"""Broken and hostile invitation URLs get a clear InvitationError, never another exception."""

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator_tui.common.b64url import Base64urlError, b64url_decode, b64url_encode
from mediator_tui.common.invitation import InlineService, InvitationError, decode_invitation_url
from tests.support.paths import DATA

CORPUS = DATA / "invitations"
EXPECTED = {
    "wrong_base64.txt": "base64url",
    "impossible_length.txt": "impossible length",
    "not_json.txt": "does not decode to JSON",
    "not_utf8.txt": "does not decode to JSON",
    "json_list.txt": "not a JSON object",
    "no_type.txt": "no @type",
    "wrong_type.txt": "not an out-of-band invitation",
    "type_not_string.txt": "no @type",
    "no_services.txt": "no services",
    "service_wrong_types.txt": "no recipientKeys",
    "service_number.txt": "neither a DID nor an object",
    "c_i_no_keys.txt": "no recipientKeys",
    "nested_json.txt": "does not decode to JSON",
    "no_parameter.txt": "no oob= or c_i=",
    "huge.txt": "at most 65536",
    "empty.txt": "is empty",
}


def test_corpus_is_complete():
    assert {p.name for p in CORPUS.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_entry_gives_its_clear_error(name):
    with pytest.raises(InvitationError) as caught:
        decode_invitation_url((CORPUS / name).read_text())
    assert EXPECTED[name] in str(caught.value)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_decodes_or_raises_invitation_error(text):
    try:
        decode_invitation_url(text)
    except InvitationError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(["oob", "c_i"]),
    payload=json_values,
    type_=st.sampled_from(
        ["https://didcomm.org/out-of-band/1.1/invitation", "https://didcomm.org/connections/1.0/invitation", None]
    ),
)
def test_any_json_payload_decodes_or_raises_invitation_error(kind, payload, type_):
    if isinstance(payload, dict) and type_:
        payload["@type"] = type_
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    try:
        invitation = decode_invitation_url(f"http://127.0.0.1:1?{kind}={encoded}")
    except InvitationError:
        return
    assert invitation.kind == kind and isinstance(invitation.message, dict)


def _url(kind: str, message: dict) -> str:
    return f"http://127.0.0.1:1?{kind}={b64url_encode(json.dumps(message).encode())}"


OOB_TYPE = "https://didcomm.org/out-of-band/1.1/invitation"
C_I_TYPE = "https://didcomm.org/connections/1.0/invitation"


def test_services_are_read_in_the_invitations_order():
    inline = {"recipientKeys": ["did:key:z6Mk"], "routingKeys": ["did:key:z6Mr"], "serviceEndpoint": "ws://m:1"}
    invitation = decode_invitation_url(_url("oob", {"@type": OOB_TYPE, "services": ["did:peer:2.Vz6Mk", inline]}))
    assert invitation.services == ("did:peer:2.Vz6Mk", InlineService(("did:key:z6Mk",), ("did:key:z6Mr",), "ws://m:1"))
    assert invitation.endpoint() == "ws://m:1"


def test_a_c_i_invitation_is_its_own_service_or_names_a_public_did():
    keyed = decode_invitation_url(
        _url("c_i", {"@type": C_I_TYPE, "recipientKeys": ["8HH5"], "serviceEndpoint": "http://m"})
    )
    assert keyed.services == (InlineService(("8HH5",), (), "http://m"),)
    public = decode_invitation_url(_url("c_i", {"@type": C_I_TYPE, "did": "did:sov:abc"}))
    assert public.services == ("did:sov:abc",) and public.endpoint() is None


@pytest.mark.parametrize("routing", [None, "did:key:z6Mr", [1]])
def test_routing_keys_that_are_not_a_list_of_strings_are_named(routing):
    service = {"recipientKeys": ["did:key:z6Mk"], "routingKeys": routing, "serviceEndpoint": "ws://m:1"}
    with pytest.raises(InvitationError, match="oob= service has a routingKeys that is not a list of strings"):
        decode_invitation_url(_url("oob", {"@type": OOB_TYPE, "services": [service]}))


@given(st.binary(max_size=200), st.booleans())
def test_base64url_reads_what_it_writes_padded_or_not(data, padded):
    encoded = b64url_encode(data)
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert b64url_decode(encoded + "=" * (-len(encoded) % 4) if padded else encoded) == data


@pytest.mark.parametrize(
    "text, reason", [("abcde", "impossible length"), ("éabc", "not ASCII"), ("ab!d", "Incorrect padding")]
)
def test_base64url_refuses_what_is_not_base64url_naming_why(text, reason):
    with pytest.raises(Base64urlError, match=reason):
        b64url_decode(text)
