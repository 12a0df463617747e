"""Compact JSON as DIDComm messages travel: no spaces, ASCII only."""

from __future__ import annotations

import json

# One encoder for all: json.dumps with non-default separators builds a new encoder on every call.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def dump(value) -> bytes:
    return _COMPACT.encode(value).encode("ascii")
