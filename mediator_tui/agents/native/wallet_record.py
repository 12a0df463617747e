"""What a native agent needs to come back as the same wallet at its mediator: its key on the mediator
connection and the mediator's key, routing keys and endpoint there, the routing the mediator granted, and the
key the mediator routes to it. Written into a wallet population (WALLET_POPULATION) as plain JSON; read back
with every field checked, so a damaged record is an error naming the field, never a half-restored agent.

The two seeds are secrets: whoever holds them is the wallet. Nothing here prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.errors import DecodeError
from mediator_tui.agents.native.keys import KeyPair, b58_verkey, decode_b58_verkey
from mediator_tui.common.b64url import Base64urlError, b64url_decode, b64url_encode

ENGINE = "native"
_SEED_BYTES = 32


@dataclass(frozen=True)
class WalletRecord:
    mediator_key: KeyPair  # ours on the mediator connection
    mediator_service: dids.Service  # the mediator's side of that connection (its key, routing keys, endpoint)
    grant_endpoint: str
    grant_routing_keys: tuple[bytes, ...]
    inbound_key: KeyPair  # the key in the mediator's keylist: others reach this wallet by it

    def to_json(self) -> dict[str, Any]:
        service = self.mediator_service
        return {
            "engine": ENGINE,
            "did": self.mediator_key.did_key,
            "mediator_key_seed": b64url_encode(self.mediator_key.seed),
            "mediator_their_key": b58_verkey(service.recipient_keys[0]),
            "mediator_routing_keys": [b58_verkey(key) for key in service.routing_keys],
            "mediator_endpoint": service.endpoint,
            "grant_endpoint": self.grant_endpoint,
            "grant_routing_keys": [b58_verkey(key) for key in self.grant_routing_keys],
            "inbound_key_seed": b64url_encode(self.inbound_key.seed),
        }

    @classmethod
    def from_json(cls, record: object) -> WalletRecord:
        """DecodeError naming the field that is missing or wrong."""
        if not isinstance(record, dict):
            raise DecodeError(f"a wallet is {type(record).__name__}, not an object")
        if record.get("engine") != ENGINE:
            raise DecodeError(f"a wallet of engine {record.get('engine')!r}, not {ENGINE!r}")
        return cls(
            mediator_key=_key(record, "mediator_key_seed"),
            mediator_service=dids.Service(
                (_verkey(record.get("mediator_their_key"), "mediator_their_key"),),
                _verkeys(record, "mediator_routing_keys"),
                _text(record, "mediator_endpoint"),
            ),
            grant_endpoint=_text(record, "grant_endpoint"),
            grant_routing_keys=_verkeys(record, "grant_routing_keys"),
            inbound_key=_key(record, "inbound_key_seed"),
        )


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value:
        raise DecodeError(f"wallet field {name!r} is missing or not a string")
    return value


def _key(record: dict[str, Any], name: str) -> KeyPair:
    try:
        seed = b64url_decode(_text(record, name))
    except Base64urlError as exc:
        raise DecodeError(f"wallet field {name!r} {exc}") from None
    if len(seed) != _SEED_BYTES:
        raise DecodeError(f"wallet field {name!r} holds {len(seed)} bytes, not a {_SEED_BYTES}-byte seed")
    return KeyPair(seed)


def _verkey(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise DecodeError(f"wallet field {name!r} is missing or not a string")
    try:
        return decode_b58_verkey(value)
    except DecodeError as exc:
        raise DecodeError(f"wallet field {name!r}: {exc}") from None


def _verkeys(record: dict[str, Any], name: str) -> tuple[bytes, ...]:
    values = record.get(name)
    if not isinstance(values, list):
        raise DecodeError(f"wallet field {name!r} is missing or not a list")
    return tuple(_verkey(value, name) for value in values)
