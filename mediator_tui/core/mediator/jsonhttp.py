"""A tiny JSON-over-HTTP client on the tool's one HTTP policy (`common/http_request.py`): every call has a
total deadline and a body cap, and its headers never follow a redirect to another origin."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from mediator_tui.common.http_policy import DEFAULT_BODY_CAP
from mediator_tui.common.http_request import HttpCallError, printable, request
from mediator_tui.core.mediator.errors import AdminTimeout, MediatorAdminError

DEFAULT_TIMEOUT_S = 10.0
DETAIL_CHARS = 500


def fetch(
    method: str,
    url: str,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    headers: Mapping[str, str] | None = None,
    body_cap: int = DEFAULT_BODY_CAP,
) -> bytes:
    """Send one request and return the raw answer; MediatorAdminError (AdminTimeout when no whole answer came in
    time) names the call but never the headers, which may carry a secret."""
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    data = None if body is None else json.dumps(body).encode()
    try:
        answer = request(
            method,
            url,
            data,
            {"Content-Type": "application/json", **(headers or {})},
            timeout_s=timeout,
            body_cap=body_cap,
        )
    except HttpCallError as err:
        if err.timed_out:
            raise AdminTimeout(f"{method} {url}: no answer within {timeout:g} s") from None
        raise MediatorAdminError(f"{method} {url}: {err}") from None
    if answer.status >= 300:
        detail = printable(answer.body.decode(errors="replace"), DETAIL_CHARS)
        raise MediatorAdminError(f"{method} {url}: HTTP {answer.status} {detail}")
    return answer.body


def call(
    method: str,
    url: str,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """Send one request and return the decoded JSON answer; MediatorAdminError names the call on any failure."""
    raw = fetch(method, url, params, body, timeout, headers)
    try:
        return json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        raise MediatorAdminError(f"{method} {url}: answer is not JSON: {printable(repr(raw[:200]), 250)}") from None
