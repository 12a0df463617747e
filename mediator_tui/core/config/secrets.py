"""Keeping secrets out of everything the tool shows, logs or exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

from mediator_tui.core.config.mediator_args import secret_values
from mediator_tui.core.config.schema import BY_KEY
from mediator_tui.core.config.url_auth import basic_authorization, userinfo_span

MASK = "****"
# Unknown keys are judged by name: a user's own API_KEY or AUTH_TOKEN is as secret as ours.
_SECRET_NAME = re.compile(r"(KEY|PASSWORD|PASSWD|TOKEN|SECRET|AUTH|HEADERS|CREDENTIAL)", re.I)
# Pieces shorter than this are too likely to appear by chance to be scrubbed from text.
_MIN_SECRET_LENGTH = 4
# A URL in free text: it ends at white space or at a quote or bracket around it.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.I)
# A query parameter whose name says it holds a credential (`api_key=`, `apikey=`, `token=`, `access_token=`,
# `password=`, `secret=`, `X-Amz-Signature=`, ...), any case: its value.
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;][^=&;#\s]*(?:key|token|secret|pass|pwd|auth|sig|credential|session)[^=&;#\s]*=)"
    r"(?P<value>[^&;#\s\"'<>]+)",
    re.I,
)
# A setting of flags, some of which may carry a secret (refused, but never shown either).
MEDIATOR_ARGS = "MEDIATOR_ARGS"
# The master's basic-auth pair, given as settings rather than in a URL.
_BASIC_AUTH_PAIRS = (("ATTACH_USERNAME", "ATTACH_PASSWORD"),)


def is_secret(key: str) -> bool:
    setting = BY_KEY.get(key)
    if setting is not None:
        return setting.secret
    return bool(_SECRET_NAME.search(key))


def mask(key: str, value: str) -> str:
    if not value or not is_secret(key):
        for secret in secret_values(value) if key == MEDIATOR_ARGS else ():
            value = value.replace(secret, MASK)
        return mask_url_credentials(value)
    return MASK


def mask_url_credentials(text: str) -> str:
    """Every URL in `text` with its userinfo's password masked (`http://user:****@host`; a user name
    without a password is taken for a token: `http://****@host`) and the values of its credential query
    parameters masked (`?api_key=****`); other text unchanged."""
    return _SECRET_PARAM.sub(rf"\g<name>{MASK}", _URL.sub(lambda match: _masked_userinfo(match.group(0)), text))


def _masked_userinfo(url: str) -> str:
    span = userinfo_span(url)
    if span is None:
        return url
    start, at = span
    user, _, password = url[start:at].partition(":")
    shown = f"{user}:{MASK}" if password else MASK if user else url[start:at]
    return url[:start] + shown + url[at:]


def secret_fragments(values: Mapping[str, str]) -> list[str]:
    """Every string that must never appear in output: whole secret values and the values inside
    secret JSON objects (an `Authorization` header's token, with and without its scheme), and the
    password of any URL in any value, as written, decoded and inside the basic-auth header it makes."""
    found: set[str] = set()
    for key, value in values.items():
        if not value:
            continue
        found.update(_url_credentials(value))
        if key == MEDIATOR_ARGS:
            found.update(secret_values(value))
        if is_secret(key):
            found.add(value)
            found.update(_json_strings(value))
    for user_key, password_key in _BASIC_AUTH_PAIRS:
        if values.get(password_key):
            found.add(basic_authorization(values.get(user_key, ""), values[password_key]))
    pieces = set(found)
    for item in found:
        scheme, _, token = item.partition(" ")
        if token and scheme.lower() in {"bearer", "basic", "token", "apikey"}:
            pieces.add(token)
    return sorted((p for p in pieces if len(p) >= _MIN_SECRET_LENGTH), key=len, reverse=True)


def _url_credentials(value: str) -> Iterable[str]:
    """The credentials of every URL in `value` as written and decoded, and the basic-auth header they make."""
    for url in _URL.findall(value):
        span = userinfo_span(url)
        if span is not None:
            user, _, password = url[span[0] : span[1]].partition(":")
            secret = password or user  # a user name alone is a token
            yield from (secret, unquote(secret), basic_authorization(unquote(user), unquote(password)))
        for match in _SECRET_PARAM.finditer(url):
            yield from (match.group("value"), unquote(match.group("value")))


def _json_strings(value: str) -> Iterable[str]:
    try:
        data = json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        # A broken JSON value still holds its secrets; take every quoted string in it.
        return re.findall(r'"([^"]+)"', value)
    out: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


class Redactor:
    """Scrubs known secret strings out of free text (logs, exports, error messages)."""

    def __init__(self, values: Mapping[str, str]):
        self._fragments = secret_fragments(values)

    def __call__(self, text: str) -> str:
        for fragment in self._fragments:
            if fragment in text:
                text = text.replace(fragment, MASK)
        return mask_url_credentials(text)
