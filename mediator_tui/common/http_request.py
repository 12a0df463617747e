"""The tool's own HTTP client (stdlib `http.client`), applying `common/http_policy.py` to every call.

`request(...)` returns the final answer of any status (the caller judges it) or raises `HttpCallError`:
a refused redirect, a body over its cap, the total deadline passed, an unreachable host, or an answer
that is not HTTP (`http.client`'s BadStatusLine, IncompleteRead, LineTooLong, RemoteDisconnected,
InvalidURL) are all errors of the call, never of the thread.

The total deadline holds against a trickling server: every socket read and write gets the time left
as its timeout, and a read returns what one `recv` brought, so no read waits past the deadline.
"""

from __future__ import annotations

import http.client
import io
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mediator_tui.common.http_policy import (
    DEFAULT_BODY_CAP,
    REDIRECT_STATUSES,
    Deadline,
    DeadlineExceeded,
    PolicyError,
    origin_of,
    read_capped,
    redirect_target,
    redirected_method,
)

TEXT_CHARS = 120


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    reason: str
    body: bytes
    url: str  # the URL that gave this answer (a same-origin redirect's target)


class HttpCallError(Exception):
    """One call failed; the message says why (never a header value). `timed_out`: the deadline passed.
    `cause`: the network error underneath, when one was (a caller may word it for its user)."""

    def __init__(self, message: str, timed_out: bool = False, cause: BaseException | None = None):
        super().__init__(message)
        self.timed_out = timed_out
        self.cause = cause


def request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    timeout_s: float,
    body_cap: int = DEFAULT_BODY_CAP,
) -> HttpAnswer:
    """One call, following same-origin redirects, within `timeout_s` in total."""
    deadline = Deadline(timeout_s)
    hops = 0
    try:
        while True:
            answer, location = _once(method, url, body, dict(headers or {}), deadline, body_cap)
            if answer.status not in REDIRECT_STATUSES:
                return answer
            url = redirect_target(url, location, answer.status, hops)
            method = redirected_method(method, answer.status)
            body = None if method == "GET" else body
            hops += 1
    except DeadlineExceeded as err:
        raise HttpCallError(str(err), timed_out=True) from None
    except PolicyError as err:
        raise HttpCallError(str(err)) from None
    except TimeoutError as err:
        raise HttpCallError(f"no complete answer within {timeout_s:g} s", timed_out=True, cause=err) from None
    except http.client.HTTPException as err:
        raise HttpCallError(
            f"not a valid HTTP answer ({type(err).__name__}: {printable(str(err))})", cause=err
        ) from None
    except OSError as err:  # refused, reset, unknown host, TLS
        raise HttpCallError(printable(str(err)) or type(err).__name__, cause=err) from None
    except ValueError as err:  # a URL or header value http.client cannot send
        raise HttpCallError(f"not a usable URL or header ({printable(str(err))})", cause=err) from None


def printable(text: str, limit: int = TEXT_CHARS) -> str:
    """`text` cut to `limit` characters with every control character shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


def _once(
    method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: Deadline, body_cap: int
) -> tuple[HttpAnswer, str | None]:
    origin = origin_of(url)
    if origin.scheme not in ("http", "https"):
        raise ValueError(f"scheme {origin.scheme!r} is not http or https")
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = http.client.HTTPSConnection if origin.scheme == "https" else http.client.HTTPConnection
    connection = kind(origin.host, origin.port, timeout=deadline.remaining())
    try:
        connection.connect()
        connection.sock = _DeadlineSocket(connection.sock, deadline)
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        if response.status in REDIRECT_STATUSES:
            return HttpAnswer(response.status, response.reason, b"", url), response.getheader("Location")
        data = read_capped(response.read1, body_cap, deadline)
        if response.length:  # the connection closed before the announced length
            raise http.client.IncompleteRead(data, response.length)
        return HttpAnswer(response.status, printable(response.reason), data, url), None
    finally:
        connection.close()


class _DeadlineReader(io.RawIOBase):
    """A socket's read side whose every `recv` waits at most the time left."""

    def __init__(self, sock: socket.socket, deadline: Deadline):
        super().__init__()
        # The socket's own reader, so the socket stays open until the answer is read (its reference count).
        self._raw = sock.makefile("rb", buffering=0)
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._deadline.remaining())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What `http.client` sees as the socket: reads and writes bounded by the deadline, the rest passed on."""

    def __init__(self, sock: socket.socket, deadline: Deadline):
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def sendall(self, data: bytes, *args: Any) -> None:
        self._sock.settimeout(self._deadline.remaining())
        self._sock.sendall(data, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)
