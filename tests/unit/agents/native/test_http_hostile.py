"""The native engine's HTTP transport under the one HTTP policy, against a hostile server."""

from __future__ import annotations

import time

import pytest

from mediator_tui.agents.native.http import HttpError, post_envelope


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_an_envelope_is_never_posted_to_another_origin(hostile, status):
    with pytest.raises(HttpError, match="another origin") as raised:
        post_envelope(f"{hostile.url}/redirect/{status}/inbox", b"envelope", timeout=5)
    assert hostile.other.url.removeprefix("http://") in str(raised.value)
    assert hostile.requests_to("other") == []


@pytest.mark.parametrize("status", [307, 308])
def test_a_same_origin_redirect_keeping_the_post_is_followed(hostile, status):
    hostile.route("/inbox", b"reply")
    assert post_envelope(f"{hostile.url}/same-redirect/{status}/inbox", b"envelope", timeout=5) == b"reply"


@pytest.mark.parametrize("path", ["/garbage-status", "/hang-up", "/error", "/truncated"])
def test_a_broken_answer_is_an_http_error(hostile, path):
    with pytest.raises(HttpError) as raised:
        post_envelope(hostile.url + path, b"envelope", timeout=5)
    assert "\x1b" not in str(raised.value)


def test_an_oversized_answer_is_refused(hostile):
    with pytest.raises(HttpError, match="longer than 1048576 bytes"):
        post_envelope(hostile.url + "/oversized", b"envelope", timeout=30, body_cap=1024 * 1024)


def test_a_trickle_ends_at_the_total_deadline(hostile):
    started = time.monotonic()
    with pytest.raises(HttpError, match="timed out"):
        post_envelope(hostile.url + "/trickle", b"envelope", timeout=0.6)
    assert time.monotonic() - started < 0.6 + 1.5
