"""DIDComm over HTTP POST (geventhttpclient: cooperative without monkey-patching)."""

from __future__ import annotations

from urllib.parse import urlsplit

import gevent
from geventhttpclient import HTTPClient
from geventhttpclient.url import URL

CONTENT_TYPE = "application/didcomm-envelope-enc"


class HttpError(ConnectionError):
    """The POST failed or the peer answered with an error status."""


def post_envelope(url: str, envelope: bytes, timeout: float) -> bytes:
    """POST one envelope; return the response body (a return-routed envelope, or empty)."""
    parsed = URL(url)
    client = HTTPClient.from_url(parsed, concurrency=1, connection_timeout=timeout, network_timeout=timeout)
    try:
        with gevent.Timeout(timeout, HttpError(f"POST {url} timed out after {timeout:g} s")):
            response = client.post(parsed.request_uri, body=envelope, headers={"Content-Type": CONTENT_TYPE})
            body = response.read()
            status = response.status_code
    except HttpError:
        raise
    except Exception as exc:  # socket, TLS and HTTP parse errors of geventhttpclient alike
        raise HttpError(f"POST {url} failed: {str(exc) or type(exc).__name__}") from None
    finally:
        client.close()
    if status >= 400:
        raise HttpError(f"POST {url} answered HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
    return body


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
