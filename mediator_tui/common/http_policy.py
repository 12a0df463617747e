"""The one policy every outbound HTTP call of the tool follows, whatever client makes it.

- Configured headers and credentials belong to the origin (scheme, host, port) they were configured
  for: a redirect to another origin is refused, on every redirect status, with an error naming both
  origins (an origin holds no user, password, path or query, so it shows no secret).
- A same-origin redirect is followed, at most `MAX_REDIRECTS` times.
- A body larger than its cap is refused.
- Every call has a total deadline, not only a per-read timeout: a server that trickles one byte a
  second cannot hold the calling thread past it.

Only the pure parts live here; each client (`common/http_request.py`, the native engine's
`agents/native/http.py`) applies them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
# Enough for an admin list walk of 10000 records or a large Prometheus exposition; far below what
# would hurt the tool's memory.
DEFAULT_BODY_CAP = 32 * 1024 * 1024
CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class PolicyError(Exception):
    """A call the policy refuses or ends; the message names the cause, never a header or password."""


class RedirectRefused(PolicyError):
    pass


class BodyTooLarge(PolicyError):
    pass


class DeadlineExceeded(PolicyError):
    pass


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def origin_of(url: str) -> Origin:
    """The origin of `url`; ValueError when it has no usable scheme, host or port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme)  # .port raises ValueError on a bad port
    if not parts.hostname or port is None:
        raise ValueError("not an absolute http(s) URL")
    return Origin(scheme, parts.hostname.lower(), port)


def redirect_target(current_url: str, location: str | None, status: int, hops: int) -> str:
    """The URL to follow a redirect `status` answer to, or a PolicyError saying why it is not followed.

    `hops` counts the redirects followed so far."""
    if not location:
        raise PolicyError(f"HTTP {status} redirect without a Location")
    target = urljoin(current_url, location.strip())
    here = origin_of(current_url)
    try:
        there = origin_of(target)
    except ValueError:
        raise RedirectRefused(f"HTTP {status} redirect from {here} to an unusable location: refused") from None
    if there != here:
        raise RedirectRefused(
            f"HTTP {status} redirect from {here} to another origin, {there}: refused "
            f"(configured headers and credentials stay with {here})"
        )
    if hops >= MAX_REDIRECTS:
        raise PolicyError(f"more than {MAX_REDIRECTS} redirects from {here}")
    return target


def redirected_method(method: str, status: int) -> str:
    """What a redirect turns `method` into: 303 (and, as browsers do, 301/302 of a POST) become GET."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        return "GET"
    return method


class Deadline:
    """A total time budget on a monotonic clock."""

    def __init__(self, total_s: float, clock: Callable[[], float] = time.monotonic):
        self.total_s = total_s
        self._clock = clock
        self._end = clock() + total_s

    def remaining(self) -> float:
        """Seconds left; DeadlineExceeded once none is."""
        left = self._end - self._clock()
        if left <= 0:
            raise DeadlineExceeded(f"no complete answer within {self.total_s:g} s")
        return left

    @property
    def expired(self) -> bool:
        return self._clock() >= self._end


def read_capped(read: Callable[[int], bytes], cap: int, deadline: Deadline) -> bytes:
    """A whole body read chunk by chunk with `read(n)` (which must return as soon as any bytes came),
    refused when longer than `cap` bytes or not complete by `deadline`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        deadline.remaining()
        chunk = read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(f"answer longer than {cap} bytes: refused")
        chunks.append(chunk)
