"""Credentials written into a URL (`http://user:pw@host:8089`), taken as basic auth as curl does.

The URL the tool connects to and shows is the one without them; the credentials travel
only as an `Authorization` header, and only to the host they were given for.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)
# Warnings already given in this process: one per URL is enough, not one per run or request.
_warned: set[str] = set()


@dataclass(frozen=True)
class UrlAuth:
    url: str  # the URL without its userinfo
    username: str = ""
    password: str = ""

    @property
    def authorization(self) -> str:
        """The `Authorization` header value, "" without credentials."""
        return basic_authorization(self.username, self.password)


def basic_authorization(username: str, password: str) -> str:
    if not (username or password):
        return ""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def userinfo_span(url: str) -> tuple[int, int] | None:
    """(start, end) of the userinfo of `url` (`user[:password]`, `end` at its `@`); None without one.

    The userinfo ends at the last `@` before the query or fragment, so a password with an unencoded
    `@`, `/` or `:` is taken whole (`urlsplit` would end the host at its first `/` and take the rest
    for a path, sending the password to the server as part of it).
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    start = scheme.end()
    stop = min((i for i in (url.find("?", start), url.find("#", start)) if i >= 0), default=len(url))
    at = url.rfind("@", start, stop)
    return (start, at) if at >= 0 else None


def split_userinfo(url: str) -> UrlAuth:
    """`http://user:p%40ss@host/x` -> (`http://host/x`, `user`, `p@ss`); other text unchanged."""
    span = userinfo_span(url)
    if span is None:
        return UrlAuth(url)
    start, at = span
    username, _, password = url[start:at].partition(":")
    return UrlAuth(url[:start] + url[at + 1 :], unquote(username), unquote(password))


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plain_http_warning(what: str, url: str, has_credentials: bool) -> str:
    """A warning, the first time only, when credentials would cross a network unencrypted; else ""."""
    parts = urlsplit(url)
    if not has_credentials or parts.scheme != "http" or is_loopback(parts.hostname or ""):
        return ""
    if url in _warned:
        return ""
    _warned.add(url)
    return (
        f"warning: {what} sends basic-auth credentials over plain http to {parts.hostname}: "
        f"anyone on the way can read them; use https"
    )


# Settings whose URL the tool's own requests go to (ATTACH_URL warns through its client).
_SENT_TO = ("ISSUER_URL", "VERIFIER_URL")


def credential_warnings(raw: dict[str, str]) -> list[str]:
    """The plain-http warnings for the admin APIs' URLs, each given once per process."""
    warnings = []
    for key in _SENT_TO:
        given = split_userinfo(raw.get(key, "").strip())
        warning = plain_http_warning(key, given.url, bool(given.authorization))
        if warning:
            warnings.append(warning)
    return warnings
