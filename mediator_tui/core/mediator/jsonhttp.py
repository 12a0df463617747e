"""A tiny JSON-over-HTTP client (stdlib only); every call has a timeout."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from .errors import AdminError

DEFAULT_TIMEOUT_S = 10.0


def call(method: str, url: str, params: dict | None = None, body: dict | None = None,
         timeout: float = DEFAULT_TIMEOUT_S):
    """Send one request and return the decoded JSON answer; AdminError names the call on any failure."""
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as err:
        detail = err.read().decode(errors="replace")[:500]
        raise AdminError(f"{method} {url}: HTTP {err.code} {detail}") from None
    except (urllib.error.URLError, OSError) as err:
        raise AdminError(f"{method} {url}: {getattr(err, 'reason', err)}") from None
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise AdminError(f"{method} {url}: answer is not JSON: {raw[:200]!r}") from None
