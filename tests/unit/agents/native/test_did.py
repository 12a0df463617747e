"""DIDs: what we write resolves back; what ACA-Py writes resolves to its keys and endpoints."""

import hashlib
import json

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.errors import DecodeError, DIDError
from mediator_tui.agents.native.keys import KeyPair, decode_multikey, verkey_to_did_key
from mediator_tui.common.b64url import b64url_encode

# ACA-Py 1.7.0's DID in a DID exchange 1.1 response: one service per --endpoint (http, then ws)
ACAPY_PEER2 = "did:peer:2.Vz6MkqUs6DggD8pBLCxA6sawtujkn3ArWmUWviAYutYb7mZiJ.Ez6LSfBq7cZHjeNwEJoi9qQqAhdSSaAgkgsJtPit9azbUodQm.SeyJpZCI6IiNkaWRjb21tLTAiLCJ0IjoiZGlkLWNvbW11bmljYXRpb24iLCJwcmlvcml0eSI6MCwicmVjaXBpZW50S2V5cyI6WyIja2V5LTEiXSwiciI6W10sInMiOiJodHRwOi8vMTI3LjAuMC4xOjE4MzAxIn0.SeyJpZCI6IiNkaWRjb21tLTEiLCJ0IjoiZGlkLWNvbW11bmljYXRpb24iLCJwcmlvcml0eSI6MSwicmVjaXBpZW50S2V5cyI6WyIja2V5LTEiXSwiciI6W10sInMiOiJ3czovLzEyNy4wLjAuMToxODMwMiJ9"


def test_our_peer2_resolves_to_our_key_endpoint_and_routing_keys():
    key, router = KeyPair(), KeyPair()
    did = dids.create_peer2(key.verkey, "http://127.0.0.1:9000", [router.verkey])
    [service] = dids.resolve(did)
    assert service == dids.Service((key.verkey,), (router.verkey,), "http://127.0.0.1:9000")


def test_acapy_peer2_offers_http_and_ws_and_the_websocket_is_preferred():
    services = dids.resolve(ACAPY_PEER2)
    assert [s.endpoint for s in services] == ["http://127.0.0.1:18301", "ws://127.0.0.1:18302"]
    assert dids.preferred(services).endpoint == "ws://127.0.0.1:18302"
    assert dids.preferred(services, websocket=False).endpoint == "http://127.0.0.1:18301"
    assert services[0].recipient_keys == services[1].recipient_keys


def test_legacy_doc_resolves_through_key_references():
    key = KeyPair()
    doc = dids.legacy_did_doc("did:sov:abc", key.verkey_b58, "ws://m:1", [])
    doc["service"][0]["recipientKeys"] = ["did:sov:abc#1"]
    assert dids.services_of_doc(doc) == [dids.Service((key.verkey,), (), "ws://m:1")]


def peer4_long_form(doc: dict, hashed_doc: dict | None = None) -> str:
    """did:peer:4 as its spec writes it: the multihash of the encoded document, then the document;
    `hashed_doc` gives the hash of another document (a long form spliced together)."""

    def encoded(d: dict) -> str:
        return "z" + base58.b58encode(b"\x80\x04" + json.dumps(d, separators=(",", ":")).encode()).decode()

    multihash = b"\x12\x20" + hashlib.sha256(encoded(hashed_doc or doc).encode()).digest()
    return f"did:peer:4z{base58.b58encode(multihash).decode()}:{encoded(doc)}"


def peer4_doc(endpoint: str, key: KeyPair) -> dict:
    return {
        "verificationMethod": [{"id": "#key-0", "publicKeyMultibase": verkey_to_did_key(key.verkey)[8:]}],
        "service": [
            {"id": "#s", "type": "did-communication", "recipientKeys": ["#key-0"], "serviceEndpoint": endpoint}
        ],
    }


# A did:peer:4 long form written by the did_peer_4 library ACA-Py 1.7.0 uses (did_peer_4.encode)
ACAPY_PEER4 = "did:peer:4zQmTV8oVugYSY46VJiTqZ8Ek2SifSBzCqVrrjMuAXHGykMc:z484Fsz2UFKZMnRu9An2oCYrjKRFN3EHBVhKoxJ3EsRSeMTcJeFNdwX9GgtpuN8bhw5FcqCbvjAeisYaHGLmNPdg6nRsgqvLjVqGUuTNwQbVu8vWnenVtsstx2b8HjiiCBkUywCf49rVTFSxV7p2xbQWG8hF3ZKy6Zjmcvy1ZbaQ6FvvCweShQBUgdncnGHxR2YGw2rkTCFd6AtFGYqcpJz9SmkE6eddq1GtLEpo686aJkvJ5n9kGkKxtmKSak8rfWLJyGicwzwCd8TSu7o494hQ5qxUzrwz63vxrRCuvCsVYBffJPtZ11VPTrHedX6K8gkpqr5DAfB9hGa6hMekvM82nJJqxbGy6eQmJnD1adybRvsKwgbBx7hddoxQEaogW67Q4ifxjzYfkzT68gJmzyGfPnXHyDY7WHbj2hujRdWY4"


def test_acapy_peer4_long_form_resolves_and_its_hash_checks_out():
    [service] = dids.resolve(ACAPY_PEER4)
    key = decode_multikey("z6MkqUs6DggD8pBLCxA6sawtujkn3ArWmUWviAYutYb7mZiJ")
    assert service == dids.Service((key,), (), "http://x:1")


def test_peer4_long_form_resolves():
    key = KeyPair()
    [service] = dids.resolve(peer4_long_form(peer4_doc("http://x:1", key)))
    assert service == dids.Service((key.verkey,), (), "http://x:1")


def test_peer4_long_form_whose_document_was_altered_is_refused_by_its_hash():
    key = KeyPair()
    # the attacker's endpoint, under the hash of the document the DID's owner published
    spliced = peer4_long_form(peer4_doc("http://attacker:1", key), hashed_doc=peer4_doc("http://x:1", key))
    with pytest.raises(DIDError, match="hash does not match the document it carries"):
        dids.resolve(spliced)
    honest = peer4_long_form(peer4_doc("http://x:1", key))
    hashed, _, encoded = honest.rpartition(":")
    flipped = encoded[:-1] + ("2" if encoded[-1] != "2" else "3")  # one character of the document changed
    with pytest.raises(DIDError, match="hash does not match"):
        dids.resolve(f"{hashed}:{flipped}")


@pytest.mark.parametrize(
    "did, message",
    [
        ("did:sov:123", "only did:peer:2"),
        ("did:peer:4zQmShortFormOnly", "short-form"),
        ("did:peer:2.Xz6Mk", "unknown purpose"),
        ("did:peer:2.Vz6MknXB4WnUYqkiEDojZ5pLr6KQWyZdxvV6HxKNzdzxS1ywr", "no DIDComm v1 service"),
        ("did:peer:2.Vz6MknXB4WnUYqkiEDojZ5pLr6KQWyZdxvV6HxKNzdzxS1ywr.S!!!", "service is not base64url JSON"),
    ],
)
def test_unusable_dids_say_why(did, message):
    with pytest.raises(DecodeError, match=message):
        dids.resolve(did)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(ACAPY_PEER2) - 1), st.text(max_size=8))
def test_truncated_or_spliced_peer2_is_a_typed_error(cut, junk):
    try:
        dids.resolve(ACAPY_PEER2[:cut] + junk)
    except DecodeError:
        pass


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["t", "s", "r", "recipientKeys", "id"]),
        st.none() | st.integers() | st.text(max_size=10) | st.lists(st.text(max_size=50), max_size=3),
    )
)
def test_garbage_peer2_service_is_a_typed_error(service):
    did = f"did:peer:2.Vz6MknXB4WnUYqkiEDojZ5pLr6KQWyZdxvV6HxKNzdzxS1ywr.S{b64url_encode(json.dumps(service).encode())}"
    try:
        dids.resolve(did)
    except DecodeError:
        pass
