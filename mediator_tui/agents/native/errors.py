"""Typed errors for malformed input: each is both a ProtocolError (agents report it) and a ValueError
(the config validator, which knows nothing of agents, catches it as bad input)."""

from __future__ import annotations

from mediator_tui.agents.interface import ProtocolError


class DecodeError(ProtocolError, ValueError):
    """Input that cannot be decoded; the message says what is wrong with it."""


class KeyDecodeError(DecodeError):
    """A key, multikey or DID key reference that cannot be decoded."""


class EnvelopeError(DecodeError):
    """A DIDComm v1 envelope that cannot be unpacked."""


class DIDError(DecodeError):
    """A DID or DID document this engine cannot resolve."""


class SignatureError(DecodeError):
    """A signature that is missing, does not verify, or is not by the key that must sign; or signed data
    that is not what the message says it is."""
