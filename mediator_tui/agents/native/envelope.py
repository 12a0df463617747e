"""DIDComm v1 envelopes (Aries RFC 0019): authcrypt and anoncrypt, pack and unpack.

Wire facts that differ from what the header suggests (docs/didcomm-quirks.md "Envelope cipher"): the content cipher is
ChaCha20-Poly1305-IETF with a 12-byte nonce although `enc` says `xchacha20poly1305_ietf`; the sender is
`crypto_box_seal(base58(sender verkey))`; base64url is written without padding (read either way).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import NamedTuple

from nacl import bindings

from mediator_tui.agents.native import wire_json
from mediator_tui.agents.native.errors import EnvelopeError, KeyDecodeError
from mediator_tui.agents.native.keys import KeyPair, b58_verkey, decode_b58_verkey, x25519_public
from mediator_tui.common.b64url import b64url_decode, b64url_encode

ENC = "xchacha20poly1305_ietf"
_TAG_BYTES = 16
_CEK_BYTES = 32
_IV_BYTES = bindings.crypto_aead_chacha20poly1305_ietf_NPUBBYTES
_KEY_NONCE_BYTES = bindings.crypto_box_NONCEBYTES
# (our verkey, their verkey) -> (X25519 shared key, sealed sender). Saves three of the five X25519
# operations of an authcrypt round trip. Reusing one sealed sender per key pair is a load generator's
# shortcut: the recipient opens it as always (its cost is unchanged); only linkability differs.
_PAIRWISE: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
PAIRWISE_CACHE_SIZE = 32768


class Unpacked(NamedTuple):
    message: bytes
    recipient_verkey: bytes
    sender_verkey: bytes | None


def pack(message: bytes, recipient_verkeys: list[bytes], sender: KeyPair | None = None) -> bytes:
    """Encrypt `message` to every recipient; authcrypt when `sender` is given, else anoncrypt."""
    # one read of the system's randomness for the content key, the content nonce and the key nonces
    randomness = os.urandom(_CEK_BYTES + _IV_BYTES + _KEY_NONCE_BYTES * len(recipient_verkeys))
    cek, iv = randomness[:_CEK_BYTES], randomness[_CEK_BYTES : _CEK_BYTES + _IV_BYTES]
    recipients = []
    for index, verkey in enumerate(recipient_verkeys):
        if sender is None:
            recipients.append(
                {
                    "encrypted_key": b64url_encode(bindings.crypto_box_seal(cek, x25519_public(verkey))),
                    "header": {"kid": b58_verkey(verkey)},
                }
            )
            continue
        start = _CEK_BYTES + _IV_BYTES + index * _KEY_NONCE_BYTES
        nonce = randomness[start : start + _KEY_NONCE_BYTES]
        shared, sealed_sender = _pairwise(sender, verkey)
        recipients.append(
            {
                "encrypted_key": b64url_encode(bindings.crypto_box_afternm(cek, nonce, shared)),
                "header": {
                    "kid": b58_verkey(verkey),
                    "sender": b64url_encode(sealed_sender),
                    "iv": b64url_encode(nonce),
                },
            }
        )
    protected = b64url_encode(
        wire_json.dump(
            {
                "enc": ENC,
                "typ": "JWM/1.0",
                "alg": "Anoncrypt" if sender is None else "Authcrypt",
                "recipients": recipients,
            }
        )
    )
    sealed = bindings.crypto_aead_chacha20poly1305_ietf_encrypt(message, protected.encode("ascii"), iv, cek)
    # every value is base64url: nothing to escape, so the outer object is written directly
    return (
        f'{{"protected":"{protected}","iv":"{b64url_encode(iv)}",'
        f'"ciphertext":"{b64url_encode(sealed[:-_TAG_BYTES])}","tag":"{b64url_encode(sealed[-_TAG_BYTES:])}"}}'
    ).encode("ascii")


def unpack(
    envelope: bytes | str | dict,
    find_key: Callable[[bytes], KeyPair | None],
    expected_sender: Callable[[bytes], bytes | None] | None = None,
) -> Unpacked:
    """Decrypt an envelope addressed to one of our keys (`find_key(verkey)` returns it or None).

    `expected_sender(our verkey)` may name the peer we expect on that key: when the content key opens with
    the secret we share with that peer, the peer is proven the sender (no one else could have boxed it) and
    opening the sealed sender, an X25519 operation, is skipped. Every failure is an EnvelopeError whose
    message says what was wrong.
    """
    outer = _json_object(envelope, "envelope")
    protected_b64 = _field(outer, "protected", str)
    header = _json_object(_b64(protected_b64, "protected"), "protected header")
    alg = header.get("alg")
    if alg not in ("Authcrypt", "Anoncrypt"):
        raise EnvelopeError(f"unsupported alg {alg!r} (expected Authcrypt or Anoncrypt)")
    if header.get("enc") != ENC:
        raise EnvelopeError(f"unsupported enc {header.get('enc')!r} (expected {ENC})")
    recipients = _field(header, "recipients", list)
    recipient, mine = _find_recipient(recipients, find_key)
    recipient_header = recipient["header"]
    my_x_secret = mine.x25519_secret()
    my_x_public = x25519_public(mine.verkey)
    encrypted_key = _b64(_field(recipient, "encrypted_key", str), "encrypted_key")
    cek: bytes | None
    if alg == "Anoncrypt":
        cek = _crypto(lambda: bindings.crypto_box_seal_open(encrypted_key, my_x_public, my_x_secret), "encrypted_key")
        sender_verkey = None
    else:
        sealed_sender = _b64(_field(recipient_header, "sender", str), "sender")
        nonce = _b64(_field(recipient_header, "iv", str), "recipient iv")
        sender_verkey = expected_sender(mine.verkey) if expected_sender is not None else None
        cek = _open_from(sender_verkey, mine, encrypted_key, nonce) if sender_verkey is not None else None
        if cek is None:
            sender_b58 = _crypto(
                lambda: bindings.crypto_box_seal_open(sealed_sender, my_x_public, my_x_secret), "sender"
            )
            try:
                sender_verkey = decode_b58_verkey(sender_b58.decode("ascii"))
                x25519_public(sender_verkey)
            except (UnicodeDecodeError, KeyDecodeError) as exc:
                raise EnvelopeError(f"sender key is not a verkey: {exc}") from None
            shared = _pairwise(mine, sender_verkey)[0]
            cek = _crypto(lambda: bindings.crypto_box_open_afternm(encrypted_key, nonce, shared), "encrypted_key")
    iv = _b64(_field(outer, "iv", str), "iv")
    ciphertext = _b64(_field(outer, "ciphertext", str), "ciphertext")
    tag = _b64(_field(outer, "tag", str), "tag")
    message = _crypto(
        lambda: bindings.crypto_aead_chacha20poly1305_ietf_decrypt(
            ciphertext + tag, protected_b64.encode("ascii"), iv, cek
        ),
        "ciphertext",
    )
    return Unpacked(message, mine.verkey, sender_verkey)


def _open_from(sender: bytes, mine: KeyPair, encrypted_key: bytes, nonce: bytes) -> bytes | None:
    try:
        return bindings.crypto_box_open_afternm(encrypted_key, nonce, _pairwise(mine, sender)[0])
    except Exception:  # wrong peer or malformed input: the full path decides and reports
        return None


def _pairwise(mine: KeyPair, their_verkey: bytes) -> tuple[bytes, bytes]:
    pair = (mine.verkey, their_verkey)
    cached = _PAIRWISE.get(pair)
    if cached is None:
        if len(_PAIRWISE) >= PAIRWISE_CACHE_SIZE:
            del _PAIRWISE[next(iter(_PAIRWISE))]  # oldest first: agents come and go in order
        their_x = x25519_public(their_verkey)
        cached = _PAIRWISE[pair] = (
            bindings.crypto_box_beforenm(their_x, mine.x25519_secret()),
            bindings.crypto_box_seal(mine.verkey_b58.encode("ascii"), their_x),
        )
    return cached


def _find_recipient(recipients: list, find_key: Callable[[bytes], KeyPair | None]) -> tuple[dict, KeyPair]:
    kids = []
    for recipient in recipients:
        if not isinstance(recipient, dict) or not isinstance(recipient.get("header"), dict):
            raise EnvelopeError("a recipient has no header object")
        kid = recipient["header"].get("kid")
        if not isinstance(kid, str):
            raise EnvelopeError("a recipient header has no kid")
        kids.append(kid)
        try:
            mine = find_key(decode_b58_verkey(kid))
        except KeyDecodeError as exc:
            raise EnvelopeError(f"recipient kid: {exc}") from None
        if mine is not None:
            return recipient, mine
    raise EnvelopeError(f"envelope is for none of our keys (recipients: {', '.join(kids) or 'none'})")


def _json_object(data: bytes | str | dict, what: str) -> dict:
    if isinstance(data, dict):
        return data
    try:
        # DIDComm is UTF-8: decoding here skips json's guessing of the encoding
        value = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (ValueError, TypeError, RecursionError) as exc:
        raise EnvelopeError(f"{what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} is JSON but not an object")
    return value


def _field(obj: dict, name: str, kind: type):
    value = obj.get(name)
    if not isinstance(value, kind):
        raise EnvelopeError(f"field {name!r} missing or not a {kind.__name__}")
    return value


def _b64(text: str, what: str) -> bytes:
    try:
        return b64url_decode(text)
    except ValueError as exc:
        raise EnvelopeError(f"{what}: {exc}") from None


def _crypto(operation: Callable[[], bytes], what: str) -> bytes:
    try:
        return operation()
    except Exception as exc:  # nacl raises CryptoError, TypeError or ValueError depending on the input
        raise EnvelopeError(f"cannot decrypt {what}: {str(exc) or type(exc).__name__}") from None
