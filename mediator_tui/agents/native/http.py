"""DIDComm over HTTP POST (geventhttpclient: cooperative without monkey-patching), under the tool's one HTTP
policy (common/http_policy.py): a total deadline, a body cap, and no redirect to another origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import gevent
from geventhttpclient import HTTPClient
from geventhttpclient.url import URL

from mediator_tui.common.http_policy import (
    DEFAULT_BODY_CAP,
    REDIRECT_STATUSES,
    Deadline,
    PolicyError,
    read_capped,
    redirect_target,
    redirected_method,
)
from mediator_tui.common.http_request import printable

CONTENT_TYPE = "application/didcomm-envelope-enc"


class HttpError(ConnectionError):
    """The POST failed or the peer answered with an error status."""


def post_envelope(url: str, envelope: bytes, timeout: float, body_cap: int = DEFAULT_BODY_CAP) -> bytes:
    """POST one envelope; return the response body (a return-routed envelope, or empty). A same-origin
    307/308 redirect is followed; any other redirect is an HttpError naming why."""
    deadline = Deadline(timeout)
    with gevent.Timeout(timeout, HttpError(f"POST {url} timed out after {timeout:g} s")):
        hops = 0
        while True:
            status, location, body = _post_once(url, envelope, deadline, body_cap)
            if status not in REDIRECT_STATUSES:
                break
            try:
                target = redirect_target(url, location, status, hops)
            except PolicyError as exc:
                raise HttpError(f"POST {url}: {exc}") from None
            if redirected_method("POST", status) != "POST":
                raise HttpError(f"POST {url}: HTTP {status} would turn the POST into a GET: not followed")
            url = target
            hops += 1
    if status >= 300:
        raise HttpError(f"POST {url} answered HTTP {status}: {printable(body[:200].decode('utf-8', 'replace'))}")
    return body


def _post_once(url: str, envelope: bytes, deadline: Deadline, body_cap: int) -> tuple[int, str | None, bytes]:
    try:
        parsed = URL(url)
        left = deadline.remaining()
        client = HTTPClient.from_url(parsed, concurrency=1, connection_timeout=left, network_timeout=left)
    except PolicyError as exc:
        raise HttpError(f"POST {url}: {exc}") from None
    except Exception as exc:  # a URL geventhttpclient cannot use
        raise HttpError(f"POST {url} failed: {printable(str(exc)) or type(exc).__name__}") from None
    try:
        response = client.post(parsed.request_uri, body=envelope, headers={"Content-Type": CONTENT_TYPE})
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.get("Location")
            return status, location if isinstance(location, str) else None, b""
        return status, None, read_capped(response.read, body_cap, deadline)
    except HttpError:  # the deadline's own
        raise
    except PolicyError as exc:
        raise HttpError(f"POST {url}: {exc}") from None
    except Exception as exc:  # socket, TLS and HTTP parse errors of geventhttpclient alike
        raise HttpError(f"POST {url} failed: {printable(str(exc)) or type(exc).__name__}") from None
    finally:
        client.close()


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
