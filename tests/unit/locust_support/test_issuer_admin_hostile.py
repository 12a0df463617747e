"""The issuer's admin client against a hostile server: every failure an IssuerAdminError, no key to another origin."""

from __future__ import annotations

import time

import pytest

from mediator_tui.locust_support.issuer_admin import IssuerAdmin, IssuerAdminError

KEY = {"X-API-Key": "issuer-s3cret"}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_issuer_key_never_follows_a_redirect_to_another_origin(hostile, status):
    admin = IssuerAdmin(hostile.url.replace("http://", "http://admin:issuer-pa55@"), KEY, timeout=5)
    with pytest.raises(IssuerAdminError, match="another origin") as raised:
        admin.call("POST", f"/redirect/{status}/connections/x/send-message", json={"content": "hi"})
    assert "issuer-s3cret" not in str(raised.value) and "issuer-pa55" not in str(raised.value)
    assert hostile.requests_to("other") == []
    sent = hostile.requests_to("main")[0][2]
    assert sent["X-API-Key"] == "issuer-s3cret" and sent["Authorization"] == "Basic YWRtaW46aXNzdWVyLXBhNTU="


@pytest.mark.parametrize("path", ["/garbage-status", "/long-status-line", "/hang-up", "/truncated", "/error"])
def test_a_broken_answer_is_an_admin_error_naming_the_call(hostile, path):
    with pytest.raises(IssuerAdminError, match=f"^GET {path}: ") as raised:
        IssuerAdmin(hostile.url, KEY, timeout=5).call("GET", path)
    assert "\x1b" not in str(raised.value)


def test_a_trickling_issuer_cannot_hold_a_user_past_the_timeout(hostile):
    started = time.monotonic()
    with pytest.raises(IssuerAdminError, match="GET /trickle: no answer within 0.6 s"):
        IssuerAdmin(hostile.url, KEY, timeout=0.6).call("GET", "/trickle")
    assert time.monotonic() - started < 0.6 + 1.5
