"""Invitations a wallet is handed (by an issuer, a mediator, a user) that decode but are hostile inside:
the native engine refuses them with its typed error, never another exception.

URL-level breakage (wrong base64, huge, nested JSON, wrong types) is the core decoder's, tested
in tests/unit/common/test_invitation.py with its corpus; here the same corpus and generated invitations go
through a wallet, where DID and key parsing come on top.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator_tui.agents.interface import ProtocolError, StartOptions
from mediator_tui.agents.native.agent import NativeAgent
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.invitation import parse_invitation_url
from mediator_tui.common.invitation import InvitationError
from tests.support.paths import DATA

CORPUS = DATA / "invitations"
REAL_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

_odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "did:key:",
            "did:key:z",
            "did:key:z6Mk",
            "did:key:zzzzzzzzzzzzzzzz",
            REAL_KEY,
            REAL_KEY + "#frag",
            "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc",
            "did:peer:2",
            "did:peer:2.Vz6Mk.SW",
            "did:peer:2.Ez6LS.Vz6Mk.SeyJ0IjoiZG0iLCJzIjoiaHR0cDovLzEyNy4wLjAuMTo5In0",
            "did:peer:4zQm",
            "did:sov:abc",
            "http://127.0.0.1:9",
            "ws://127.0.0.1:9",
            "javascript:alert(1)",
            "",
            "\x00",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        ]
    ),
)
_odd_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    _odd_text,
    st.lists(_odd_text, max_size=3),
    st.dictionaries(_odd_text, _odd_text, max_size=3),
)


def _mostly(good, odd=_odd_value):
    """Usually a good value, so that generated invitations get past the first check to the deeper ones."""
    return st.one_of(good, good, good, odd)


_keys = _mostly(
    st.lists(st.sampled_from([REAL_KEY, REAL_KEY + "#frag"]), min_size=1, max_size=2), st.lists(_odd_value, max_size=3)
)
_endpoint = _mostly(st.sampled_from(["http://127.0.0.1:9", "ws://127.0.0.1:9"]))
_service = st.one_of(
    _odd_text,
    st.fixed_dictionaries(
        {
            "recipientKeys": _keys,
            "serviceEndpoint": st.one_of(_endpoint, st.fixed_dictionaries({"uri": _endpoint})),
        },
        optional={"id": _odd_value, "type": _odd_value, "routingKeys": _keys},
    ),
)
_oob = st.fixed_dictionaries(
    {
        "@type": st.just("https://didcomm.org/out-of-band/1.1/invitation"),
        "@id": _mostly(st.just("a1b2")),
        "services": st.lists(_service, min_size=1, max_size=3),
        "handshake_protocols": _mostly(
            st.lists(
                st.sampled_from(
                    ["https://didcomm.org/didexchange/1.1", "https://didcomm.org/connections/1.0", "did:sov:x;spec/y"]
                ),
                min_size=1,
                max_size=2,
            )
        ),
    },
    optional={"label": _odd_value},
)
_c_i = st.fixed_dictionaries(
    {
        "@type": st.just("https://didcomm.org/connections/1.0/invitation"),
        "@id": _mostly(st.just("a1b2")),
        "recipientKeys": _keys,
        "serviceEndpoint": _endpoint,
    },
    optional={"label": _odd_value, "routingKeys": _keys, "did": _odd_value},
)


def _url(parameter: str, message: dict) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(message).encode()).decode().rstrip("=")
    return f"http://127.0.0.1:9?{parameter}={encoded}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_oob.map(lambda m: _url("oob", m)), _c_i.map(lambda m: _url("c_i", m))))
def test_a_hostile_invitation_is_read_or_refused_with_an_invitation_error(url):
    try:
        parse_invitation_url(url)
    except (InvitationError, DecodeError):
        pass


@pytest.fixture
def wallet():
    agent = NativeAgent(timeout=2.0)
    agent.start(StartOptions(with_mediation=False))
    yield agent
    agent.shutdown()


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_a_broken_invitation_is_a_protocol_error_for_the_wallet(wallet, name):
    with pytest.raises(ProtocolError, match="invitation"):
        wallet.receive_invitation((CORPUS / name).read_text())
    assert wallet.alive
