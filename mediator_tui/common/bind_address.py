"""An address a Locust master binds (MASTER_HOST): how it is spelled and whether other hosts can reach it."""

from __future__ import annotations

import ipaddress
import re

# Every interface, as Locust (`*`) and the socket API (0.0.0.0, ::) spell it.
WILDCARD_BINDS = frozenset({"*", "0.0.0.0", "::"})
# A host name as RFC 1123 spells one: dot-separated labels of letters, digits and inner hyphens.
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def parse_bind_host(text: str) -> str:
    """An IP address, a host name or a wildcard; ValueError saying what is wrong otherwise."""
    host = text.strip()
    # A name whose last label is a number is an IPv4 address spelled wrong (10.0.0.300), no host name.
    if host in WILDCARD_BINDS or (_HOST_NAME.fullmatch(host) and not host.rsplit(".", 1)[-1].isdigit()):
        return host
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise ValueError(
            "is neither an IP address nor a host name (127.0.0.1: this host only; 0.0.0.0: every interface)"
        ) from None


def is_loopback(host: str) -> bool:
    """Only this host reaches a master bound there."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False
