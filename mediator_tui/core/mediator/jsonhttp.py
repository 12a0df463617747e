"""A tiny JSON-over-HTTP client (stdlib only); every call has a timeout."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from mediator_tui.core.mediator.errors import AdminTimeout, MediatorAdminError

DEFAULT_TIMEOUT_S = 10.0


def fetch(method: str, url: str, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
          timeout: float = DEFAULT_TIMEOUT_S, headers: Mapping[str, str] | None = None) -> bytes:
    """Send one request and return the raw answer; MediatorAdminError (AdminTimeout when no answer came in
    time) names the call but never the headers, which may carry a secret."""
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: bytes = response.read()
            return answer
    except urllib.error.HTTPError as err:
        detail = err.read().decode(errors="replace")[:500]
        raise MediatorAdminError(f"{method} {url}: HTTP {err.code} {detail}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(err, TimeoutError) or isinstance(reason, TimeoutError):
            raise AdminTimeout(f"{method} {url}: no answer within {timeout:g} s") from None
        raise MediatorAdminError(f"{method} {url}: {reason}") from None


def call(method: str, url: str, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
         timeout: float = DEFAULT_TIMEOUT_S, headers: Mapping[str, str] | None = None) -> Any:
    """Send one request and return the decoded JSON answer; MediatorAdminError names the call on any failure."""
    raw = fetch(method, url, params, body, timeout, headers)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise MediatorAdminError(f"{method} {url}: answer is not JSON: {raw[:200]!r}") from None
