"""Ed25519 key pairs, their X25519 twins, and the did:key / multikey spellings of a verkey."""

from __future__ import annotations

from functools import lru_cache

import base58
from nacl import bindings

from mediator_tui.agents.native.errors import KeyDecodeError

# multicodec prefix (varint) of the one public key type we write and read (did:key, Ed25519)
ED25519_PUB = b"\xed\x01"


class KeyPair:
    """An Ed25519 signing key; `verkey` is the raw 32-byte public key."""

    __slots__ = ("_secret", "_x25519_secret", "verkey")

    def __init__(self, seed: bytes | None = None):
        if seed is None:
            self.verkey, self._secret = bindings.crypto_sign_keypair()
        else:
            self.verkey, self._secret = bindings.crypto_sign_seed_keypair(seed)
        self._x25519_secret = bindings.crypto_sign_ed25519_sk_to_curve25519(self._secret)

    @property
    def seed(self) -> bytes:
        """The 32 bytes the key pair is made from (libsodium's secret key is the seed, then the verkey): a
        secret, for a wallet saved to come back as itself (`KeyPair(seed)`)."""
        return bytes(self._secret[:32])

    @property
    def verkey_b58(self) -> str:
        return b58_verkey(self.verkey)

    @property
    def did_key(self) -> str:
        return verkey_to_did_key(self.verkey)

    def x25519_secret(self) -> bytes:
        return self._x25519_secret

    def sign(self, message: bytes) -> bytes:
        return bindings.crypto_sign(message, self._secret)[:64]


@lru_cache(maxsize=65536)
def x25519_public(verkey: bytes) -> bytes:
    """The X25519 key of an Ed25519 verkey; cached because every pack and unpack needs it."""
    try:
        return bindings.crypto_sign_ed25519_pk_to_curve25519(verkey)
    except Exception as exc:  # nacl raises several types for a bad point
        raise KeyDecodeError(f"not an Ed25519 public key: {exc}") from None


def verify(verkey: bytes, message: bytes, signature: bytes) -> bool:
    try:
        bindings.crypto_sign_open(signature + message, verkey)
    except Exception:
        return False
    return True


def multikey(verkey: bytes, codec: bytes = ED25519_PUB) -> str:
    return "z" + base58.b58encode(codec + verkey).decode("ascii")


def verkey_to_did_key(verkey: bytes) -> str:
    return "did:key:" + multikey(verkey)


def did_key_url(verkey: bytes) -> str:
    """did:key with the key's own fragment: ACA-Py (pydid) reads a service's keys as DID URLs and drops a
    service whose routing key is a bare did:key, leaving it no way to reach us."""
    value = multikey(verkey)
    return f"did:key:{value}#{value}"


def decode_multikey(value: str, codec: bytes = ED25519_PUB) -> bytes:
    if not value.startswith("z"):
        raise KeyDecodeError(f"multikey {value[:60]!r} is not base58btc (no 'z' prefix)")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError:
        raise KeyDecodeError(f"multikey {value[:60]!r} is not base58") from None
    if raw[:2] != codec or len(raw) != 34:
        raise KeyDecodeError(f"multikey {value[:60]!r} is not a multicodec {codec.hex()} public key")
    return raw[2:]


@lru_cache(maxsize=16384)
def b58_verkey(verkey: bytes) -> str:
    """base58 of a verkey; cached because every envelope names its keys this way (base58 is slow in Python)."""
    return base58.b58encode(verkey).decode("ascii")


@lru_cache(maxsize=16384)
def decode_b58_verkey(value: str) -> bytes:
    try:
        raw = base58.b58decode(value)
    except ValueError:
        raise KeyDecodeError(f"verkey {value[:60]!r} is not base58") from None
    if len(raw) != 32:
        raise KeyDecodeError(f"verkey {value[:60]!r} is {len(raw)} bytes, not 32")
    return raw


def key_from_reference(value: object) -> bytes:
    """A verkey written as did:key (with or without #fragment) or as plain base58."""
    if not isinstance(value, str) or not value:
        raise KeyDecodeError(f"key reference {value!r} is not a string")
    if value.startswith("did:key:"):
        return decode_multikey(value[len("did:key:") :].split("#", 1)[0])
    return decode_b58_verkey(value)
