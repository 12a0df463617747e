"""The version check every contract's reader makes first.

Fields are read tolerantly (a field that cannot be read counts as unknown), but a
payload of another version is refused as a whole: its fields may mean something
else, and figures read from it would look plausible and be wrong. The message
names both versions, so that a master and a TUI of different releases say so.
"""

from __future__ import annotations

from typing import Any


class VersionMismatch(ValueError):
    """A payload of a contract version this release does not read."""


def check_version(payload: dict[str, Any], expected: int, what: str, sender: str, reader: str) -> None:
    """Raise `VersionMismatch` unless `payload["version"]` is `expected`.

    `what` names the contract ("agent metrics"), `sender` who sent it and how ("the master serves"),
    `reader` who reads it ("this mediator-tui")."""
    found = payload.get("version")
    if isinstance(found, int) and not isinstance(found, bool) and found == expected:
        return
    served = f"{what} without a version (an older release)" if found is None else f"{what} version {found!r}"
    raise VersionMismatch(f"{sender} {served}, {reader} reads version {expected}: use the same release on both")
