"""The Locust master client and its readers against a hostile "master": every failure a MasterError naming
the cause, every figure finite or unknown, the credentials never sent to another origin."""

from __future__ import annotations

import math
import time

import pytest

from mediator_tui.core.metrics.readers import read_master_stats
from mediator_tui.core.sources.master_api import MasterClient, MasterError
from tests.fixtures.hostile_server import NOT_HTTP

PASSWORD = "master-pa55word"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_credentials_never_follow_a_redirect_to_another_origin(hostile, status):
    url = hostile.url.replace("http://", f"http://ops:{PASSWORD}@") + f"/redirect/{status}"
    with pytest.raises(MasterError) as raised:
        MasterClient(url).stats()
    message = str(raised.value)
    assert "another origin" in message and hostile.other.url.removeprefix("http://") in message
    assert PASSWORD not in message
    assert raised.value.lasting  # a refused redirect is refused again: nothing to wait for
    assert hostile.requests_to("other") == []
    assert "Authorization" in hostile.requests_to("main")[0][2]  # it was sent to the origin it is for


@pytest.mark.parametrize("path, words", [*NOT_HTTP, ("/error", "HTTP 500")])
def test_a_broken_answer_is_a_master_error(hostile, path, words):
    with pytest.raises(MasterError, match=words) as raised:
        MasterClient(hostile.url + path).stats()
    assert "\x1b" not in str(raised.value)


def test_a_trickling_master_cannot_hold_the_poller(hostile):
    started = time.monotonic()
    with pytest.raises(MasterError, match="did not answer within 0.6 s") as raised:
        MasterClient(hostile.url + "/trickle-status", timeout_s=0.6).stats()
    assert not raised.value.lasting  # a slow master may answer in time later
    assert time.monotonic() - started < 0.6 + 1.5


def test_every_figure_of_a_hostile_stats_answer_is_finite_or_unknown(hostile):
    stats = read_master_stats(MasterClient(hostile.url).stats())
    assert stats.users == 0
    (worker,) = stats.workers
    assert (worker.users, worker.cpu_percent, worker.memory_bytes) == (0, None, None)
    bad, aggregated = stats.rows
    assert (bad.count, bad.failures, bad.median_ms, bad.avg_ms, bad.max_ms, bad.min_ms, bad.total_rps, bad.p95_ms) == (
        0,
        0,
        None,
        None,
        None,
        None,
        None,
        None,
    )
    assert (aggregated.count, aggregated.failures, aggregated.median_ms, aggregated.total_rps) == (5, 0, 3.0, None)
    assert stats.window == (None, None) and stats.failures[0].occurrences == 0
    numbers = [v for row in stats.rows for v in vars(row).values() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers)
