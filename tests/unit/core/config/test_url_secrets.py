"""The credentials of a URL, in any shape a setting may hold them, never appear in masked text."""

from __future__ import annotations

import string
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mediator_tui.core.config.secrets import MASK, Redactor, mask, mask_url_credentials
from mediator_tui.core.config.url_auth import split_userinfo

# What a password may hold unencoded: letters, digits and the characters that end a URL's host for urlsplit.
_PASSWORD = st.text(string.ascii_letters + string.digits + "@/:%!$*+,;=~-._", min_size=8, max_size=24)
_USER = st.text(string.ascii_letters + string.digits + "-._", min_size=1, max_size=12)
_HOST = st.sampled_from(["mediator.example", "10.0.0.7", "[::1]", "[2001:db8::7]", "localhost"])
_PORT = st.sampled_from(["", ":8089", ":443"])
_PATH = st.sampled_from(["", "/", "/admin/status", "/a/b?x=1", "/x?api_key=public-looking#frag"])
_SECRET_PARAMS = [
    "api_key",
    "apikey",
    "API_KEY",
    "token",
    "access_token",
    "Access_Token",
    "password",
    "secret",
    "client_secret",
    "X-Amz-Signature",
]


def _shown(text: str) -> list[str]:
    return [
        mask_url_credentials(text),
        Redactor({"ISSUER_URL": text})(f"GET {text} failed: 502"),
        mask("MEDIATION_URL", text),
    ]


@given(
    scheme=st.sampled_from(["http", "https", "ws", "wss"]),
    user=_USER,
    password=_PASSWORD,
    host=_HOST,
    port=_PORT,
    path=_PATH,
)
def test_a_password_with_any_characters_is_masked(scheme, user, password, host, port, path):
    url = f"{scheme}://{user}:{password}@{host}{port}{path}"
    assume(password not in f"{scheme}://{user}@{host}{port}{path}")
    for shown in _shown(url):
        assert password not in shown
        assert f"{user}:{MASK}@{host}{port}" in shown


@given(token=_PASSWORD.filter(lambda t: ":" not in t), host=_HOST, path=_PATH)
def test_a_token_as_the_user_name_is_masked(token, host, path):
    assume(token not in f"{host}{path}")
    for shown in _shown(f"https://{token}@{host}{path}"):
        assert token not in shown and f"{MASK}@{host}" in shown


@given(password=_PASSWORD, host=_HOST)
def test_a_percent_encoded_password_is_masked_encoded_and_decoded(password, host):
    encoded = quote(password, safe="")
    url = f"https://user:{encoded}@{host}/"
    redact = Redactor({"ISSUER_URL": url})
    for text in (url, f"sent as {password}", f"header {encoded}"):
        shown = redact(text)
        assert password not in shown and encoded not in shown
    assert split_userinfo(url).password == password


@pytest.mark.parametrize("name", _SECRET_PARAMS)
@given(value=st.text(string.ascii_letters + string.digits + "-._~%", min_size=8, max_size=40), host=_HOST)
def test_a_credential_in_the_query_string_is_masked(name, value, host):
    assume(value not in f"https://{host}/metrics?format=prom&{name}=")
    url = f"https://{host}/metrics?format=prom&{name}={value}&b=2"
    for shown in _shown(url):
        assert value not in shown
        assert f"{name}={MASK}&b=2" in shown and "format=prom" in shown


@given(password=_PASSWORD.filter(lambda p: "%" not in p), host=_HOST, path=_PATH)
def test_the_password_of_a_url_is_taken_whole_for_basic_auth(password, host, path):
    auth = split_userinfo(f"https://user:{password}@{host}{path}")
    assert (auth.username, auth.password, auth.url) == ("user", password, f"https://{host}{path}")


@pytest.mark.parametrize(
    "text",
    ["http://[::1]:8080/x", "https://mediator.example/users/?q=a", "plain text: 5", "https://host/x?page=2&count=10"],
)
def test_text_without_credentials_is_unchanged(text):
    assert mask_url_credentials(text) == text
