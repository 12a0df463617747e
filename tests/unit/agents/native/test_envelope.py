"""DIDComm v1 envelopes: round trips, interoperability with an independent implementation, garbage in."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator_tui.agents.native.envelope import pack, unpack
from mediator_tui.agents.native.errors import EnvelopeError
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.common.b64url import b64url_decode, b64url_encode

legacy = pytest.importorskip("didcomm_messaging.legacy.crypto")

ALICE_SEED = b"a" * 32
BOB_SEED = b"b" * 32
ALICE = KeyPair(ALICE_SEED)
BOB = KeyPair(BOB_SEED)
MESSAGE = json.dumps({"@type": "https://didcomm.org/trust_ping/1.0/ping", "@id": "1"})


def bob_keys(verkey: bytes):
    return BOB if verkey == BOB.verkey else None


@pytest.mark.parametrize("sender", [ALICE, None], ids=["authcrypt", "anoncrypt"])
def test_round_trip_reports_sender_only_for_authcrypt(sender):
    unpacked = unpack(pack(MESSAGE.encode(), [BOB.verkey], sender), bob_keys)
    assert unpacked.message == MESSAGE.encode()
    assert unpacked.recipient_verkey == BOB.verkey
    assert unpacked.sender_verkey == (sender.verkey if sender else None)


def test_envelope_for_two_recipients_opens_for_the_second():
    envelope = pack(b"x", [ALICE.verkey, BOB.verkey], ALICE)
    assert unpack(envelope, bob_keys).message == b"x"


def test_envelope_for_someone_else_names_the_recipients():
    with pytest.raises(EnvelopeError, match=ALICE.verkey_b58):
        unpack(pack(b"x", [ALICE.verkey]), bob_keys)


def test_header_says_xchacha_but_nonce_is_12_bytes():
    envelope = json.loads(pack(b"x", [BOB.verkey], ALICE))
    header = json.loads(b64url_decode(envelope["protected"]))
    assert header["enc"] == "xchacha20poly1305_ietf"
    assert len(b64url_decode(envelope["iv"])) == 12
    assert "=" not in envelope["protected"] + envelope["iv"] + envelope["ciphertext"] + envelope["tag"]


def test_padded_base64_is_accepted():
    envelope = json.loads(pack(b"hello", [BOB.verkey], ALICE))
    padded = {k: v + "=" * (-len(v) % 4) for k, v in envelope.items()}
    assert unpack(json.dumps(padded), bob_keys).message == b"hello"


def test_tampered_ciphertext_is_an_envelope_error():
    envelope = json.loads(pack(b"hello world", [BOB.verkey], ALICE))
    ciphertext = bytearray(b64url_decode(envelope["ciphertext"]))
    ciphertext[0] ^= 1
    envelope["ciphertext"] = b64url_encode(bytes(ciphertext))
    with pytest.raises(EnvelopeError, match="ciphertext"):
        unpack(json.dumps(envelope), bob_keys)


# --- interoperability with didcomm-messaging's legacy (ACA-Py lineage) implementation, both directions


@pytest.mark.parametrize("authcrypt", [True, False], ids=["authcrypt", "anoncrypt"])
def test_ours_unpacked_by_theirs(authcrypt):
    bob_verkey, bob_secret = legacy.create_keypair(BOB_SEED)
    envelope = pack(MESSAGE.encode(), [BOB.verkey], ALICE if authcrypt else None)
    message, sender_vk, recip_vk = legacy.unpack_message(envelope, bob_verkey, bob_secret)
    assert message == MESSAGE
    assert recip_vk == BOB.verkey_b58
    assert sender_vk == (ALICE.verkey_b58 if authcrypt else None)


@pytest.mark.parametrize("authcrypt", [True, False], ids=["authcrypt", "anoncrypt"])
def test_theirs_unpacked_by_ours(authcrypt):
    alice_verkey, alice_secret = legacy.create_keypair(ALICE_SEED)
    bob_verkey, _ = legacy.create_keypair(BOB_SEED)
    if authcrypt:
        envelope = legacy.pack_message(MESSAGE, [bob_verkey], alice_verkey, alice_secret)
    else:
        envelope = legacy.pack_message(MESSAGE, [bob_verkey])
    unpacked = unpack(json.dumps(envelope), bob_keys)
    assert unpacked.message.decode() == MESSAGE
    assert unpacked.sender_verkey == (ALICE.verkey if authcrypt else None)


# --- garbage and truncation: always EnvelopeError, never anything else

VALID = pack(MESSAGE.encode(), [BOB.verkey], ALICE)


def _unpack_or_typed_error(data):
    try:
        unpack(data, bob_keys)
    except EnvelopeError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes(data):
    _unpack_or_typed_error(data)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID) - 1))
def test_truncated_envelope(cut):
    with pytest.raises(EnvelopeError):
        unpack(VALID[:cut], bob_keys)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["protected", "iv", "ciphertext", "tag"]), json_values | st.text(max_size=80))
def test_one_field_replaced_by_garbage(name, value):
    envelope = json.loads(VALID)
    envelope[name] = value
    _unpack_or_typed_error(json.dumps(envelope))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["alg", "enc", "recipients", "typ"]), json_values)
def test_protected_header_field_replaced_by_garbage(name, value):
    envelope = json.loads(VALID)
    header = json.loads(b64url_decode(envelope["protected"]))
    header[name] = value
    envelope["protected"] = b64url_encode(json.dumps(header).encode())
    _unpack_or_typed_error(json.dumps(envelope))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["kid", "sender", "iv"]), json_values | st.binary(max_size=64).map(b64url_encode))
def test_recipient_header_field_replaced_by_garbage(name, value):
    envelope = json.loads(VALID)
    header = json.loads(b64url_decode(envelope["protected"]))
    header["recipients"][0]["header"][name] = value
    envelope["protected"] = b64url_encode(json.dumps(header).encode())
    with pytest.raises(EnvelopeError):
        unpack(json.dumps(envelope), bob_keys)


def test_deeply_nested_json_is_an_envelope_error():
    with pytest.raises(EnvelopeError):
        unpack("[" * 100000, bob_keys)


def test_expected_sender_is_confirmed_by_the_content_key_not_just_believed():
    envelope = pack(b"x", [BOB.verkey], ALICE)
    assert unpack(envelope, bob_keys, lambda _: ALICE.verkey).sender_verkey == ALICE.verkey
    # a wrong guess falls back to the sealed sender, which names the real one
    assert unpack(envelope, bob_keys, lambda _: KeyPair().verkey).sender_verkey == ALICE.verkey
