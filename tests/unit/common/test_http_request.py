"""The one HTTP client policy, against a hostile server on loopback."""

from __future__ import annotations

import time

import pytest

from mediator_tui.common.http_policy import MAX_REDIRECTS, Deadline, DeadlineExceeded, origin_of
from mediator_tui.common.http_request import HttpCallError, request
from tests.fixtures.hostile_server import NOT_HTTP

SECRET_HEADERS = {"X-API-Key": "s3cret-key", "Authorization": "Basic dXNlcjpwYXNz"}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_redirect_to_another_origin_is_refused_and_carries_no_credential(hostile, status, method):
    with pytest.raises(HttpCallError) as raised:
        request(
            method,
            f"{hostile.url}/redirect/{status}/steal",
            b"{}" if method == "POST" else None,
            SECRET_HEADERS,
            timeout_s=5,
        )
    message = str(raised.value)
    assert hostile.url.replace("http://", "") in message and hostile.other.url.replace("http://", "") in message
    assert "s3cret" not in message and "dXNlcjpwYXNz" not in message
    assert hostile.requests_to("other") == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_same_origin_redirect_is_followed_with_the_headers(hostile, status):
    hostile.route("/target", b'{"ok": true}')
    answer = request("GET", f"{hostile.url}/same-redirect/{status}/target", headers=SECRET_HEADERS, timeout_s=5)
    assert (answer.status, answer.body) == (200, b'{"ok": true}')
    assert hostile.requests[-1][1] == "/target" and hostile.requests[-1][2]["X-API-Key"] == "s3cret-key"


def test_a_redirect_loop_on_one_origin_ends(hostile):
    hostile.route("/loop", b"")
    with pytest.raises(HttpCallError, match=f"more than {MAX_REDIRECTS} redirects"):
        request(
            "GET",
            f"{hostile.url}/same-redirect/302/same-redirect/302/same-redirect/302/same-redirect/302/"
            "same-redirect/302/same-redirect/302/loop",
            timeout_s=5,
        )


@pytest.mark.parametrize("path, words", NOT_HTTP)
def test_an_answer_that_is_not_http_is_an_error_of_the_call(hostile, path, words):
    with pytest.raises(HttpCallError, match=words) as raised:
        request("GET", hostile.url + path, timeout_s=5)
    assert "\x1b" not in str(raised.value)


@pytest.mark.parametrize("path", ["/oversized", "/endless"])
def test_a_body_over_the_cap_is_refused(hostile, path):
    with pytest.raises(HttpCallError, match="longer than 1048576 bytes"):
        request("GET", hostile.url + path, timeout_s=30, body_cap=1024 * 1024)


@pytest.mark.parametrize("path", ["/trickle", "/trickle-status"])
def test_a_trickle_cannot_hold_the_call_past_its_total_deadline(hostile, path):
    started = time.monotonic()
    with pytest.raises(HttpCallError) as raised:
        request("GET", hostile.url + path, timeout_s=0.6)
    # The trickle sends a byte every TRICKLE_S, so a per-read timeout alone would wait for ever; the
    # deadline ends the call within one read of it.
    assert raised.value.timed_out and time.monotonic() - started < 0.6 + 1.5


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:notaport/x", "ftp://127.0.0.1/x", "http:///x", "nonsense", "http://127.0.0.1:1/x"]
)
def test_unusable_or_unreachable_urls_are_errors_of_the_call(url):
    with pytest.raises(HttpCallError):
        request("GET", url, timeout_s=2)


def test_a_header_value_that_cannot_be_sent_is_an_error_of_the_call(hostile):
    with pytest.raises(HttpCallError, match="not a usable URL or header"):
        request("GET", hostile.url + "/status", headers={"X-API-Key": "a\r\nb"}, timeout_s=2)


def test_the_deadline_runs_on_the_clock_it_is_given():
    now = [100.0]
    deadline = Deadline(2.0, clock=lambda: now[0])
    assert deadline.remaining() == 2.0
    now[0] = 102.0
    with pytest.raises(DeadlineExceeded):
        deadline.remaining()


def test_origins_compare_scheme_host_and_port():
    assert origin_of("http://User:pw@EXAMPLE.org/a?token=x") == origin_of("http://example.org:80/b")
    assert origin_of("http://example.org") != origin_of("https://example.org")
    assert str(origin_of("http://[::1]:8080/x")) == "http://[::1]:8080"
