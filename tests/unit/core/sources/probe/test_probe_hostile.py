"""The mediator probe pointed at a hostile server: every figure checked, every failure the source's error,
the local process read on, and no configured header sent to another origin."""

from __future__ import annotations

import os
import time

import pytest

from mediator_tui.core.sources.probe import AdminReader, MetricsReader, ProbeRunner, ProbeTarget
from tests.fixtures.hostile_server import MARKUP, NOT_HTTP

KEY = {"X-API-Key": "probe-s3cret"}


def test_status_counts_that_are_no_numbers_are_unknown_with_the_reason(hostile):
    status = AdminReader(hostile.url, KEY).read_status()
    assert status.error is None
    assert (status.sessions, status.outbound_queued, status.tasks_pending) == (None, None, None)
    assert status.unknown == (
        "out_encode: inf is not a finite number",
        "out_deliver: -5 is below 0",
        "in_sessions: nan is not a finite number",
        "task_pending: a string is not a number",
    )
    assert status.version == MARKUP  # text is text: shown literally by the pane


def test_prometheus_samples_that_are_no_usable_numbers_are_unknown(hostile):
    sample = MetricsReader(hostile.url + "/metrics").read()
    assert sample.error is None
    assert (
        sample.live_sessions,
        sample.queued_messages,
        sample.queue_oldest_age_s,
        sample.process_rss_bytes,
        sample.sessions_opened,
    ) == (None, None, None, None, None)
    assert sample.process_cpu_seconds == 12.5  # the one good series is kept
    assert "mediator_live_sessions: nan is not a finite number" in sample.unknown
    assert "process_resident_memory_bytes: -1 is below 0" in sample.unknown


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_admin_headers_never_reach_another_origin(hostile, status):
    reading = AdminReader(f"{hostile.url}/redirect/{status}", KEY).read_status()
    assert "another origin" in reading.error and hostile.other.url.removeprefix("http://") in reading.error
    assert "probe-s3cret" not in reading.error
    assert hostile.requests_to("other") == []


@pytest.mark.parametrize("path, words", [*NOT_HTTP, ("/error", "HTTP 500"), ("/oversized", "longer than")])
def test_a_broken_answer_is_the_sources_error(hostile, path, words):
    for reading in (
        AdminReader(hostile.url + path, timeout_s=5).read_status(),
        MetricsReader(hostile.url + path, timeout_s=5).read(),
    ):
        assert path in reading.error and words in reading.error and "\x1b" not in reading.error


def test_a_trickling_source_is_a_stall_that_ends_at_the_deadline(hostile):
    started = time.monotonic()
    reading = MetricsReader(hostile.url + "/trickle", timeout_s=0.6).read()
    assert reading.stalled and "no answer within 0.6 s" in reading.error
    assert time.monotonic() - started < 0.6 + 1.5


def test_the_process_is_read_on_whatever_the_http_sources_do(hostile):
    target = ProbeTarget(
        pid=os.getpid(),
        admin_url=f"{hostile.url}/redirect/302",
        admin_headers=KEY,
        metrics_url=f"{hostile.url}/garbage-status",
    )
    sample = ProbeRunner(target, lambda s: None).tick()
    assert sample.process is not None and sample.process.error is None and sample.process.rss_bytes
    assert "another origin" in sample.admin_status.error and "BadStatusLine" in sample.metrics.error


def test_a_reader_that_raises_is_its_sources_error_and_the_others_go_on(hostile, monkeypatch):
    def broken(self):
        raise RuntimeError("a defect nothing foresaw")

    monkeypatch.setattr(MetricsReader, "read", broken)
    target = ProbeTarget(pid=os.getpid(), admin_url=hostile.url, metrics_url=hostile.url + "/metrics")
    sample = ProbeRunner(target, lambda s: None).tick()
    assert sample.metrics.error.startswith("metrics: the reading failed (RuntimeError: a defect nothing foresaw)")
    assert sample.process.rss_bytes and sample.admin_status.error is None


def test_a_source_that_keeps_failing_is_read_less_often_and_says_so(hostile):
    runner = ProbeRunner(ProbeTarget(metrics_url=hostile.url + "/hang-up"), lambda s: None, interval_s=0.05)
    errors = []
    deadline = time.monotonic() + 5
    while len(errors) < 3 and time.monotonic() < deadline:
        sample = runner.tick()
        if sample.metrics is not None:
            errors.append(sample.metrics.error)
        time.sleep(0.02)
    assert all("RemoteDisconnected" in error for error in errors)
    assert [error.rsplit("(", 1)[1] for error in errors] == [
        f"failing: read every {s:g} s until it answers)" for s in (0.1, 0.2, 0.4)
    ]
