"""A run against the embedded mediator whose probe's admin and metrics URLs point at a hostile server: the
load runs on, the probe keeps reporting the embedded mediator's own process, each hostile source is named
in the export, and the admin key reaches no other origin and no output."""

from __future__ import annotations

import json

import pytest

from tests.support.exports import assert_no_secret, strict_json
from tests.support.headless_runs import EMBEDDED, finish, headless

SECRET = "embedded-probe-s3cret"


@pytest.mark.parametrize(
    "admin, metrics, admin_error, metrics_error",
    [
        (
            "",
            "/metrics",
            "in_sessions: nan is not a finite number",
            "mediator_live_sessions: nan is not a finite number",
        ),
        ("/redirect/308", "/trickle", "another origin", "no answer within"),
    ],
)
def test_the_probe_reports_the_embedded_mediator_whatever_its_http_sources_send(
    tmp_path, hostile, admin, metrics, admin_error, metrics_error
):
    settings = {
        **EMBEDDED,
        "MEDIATOR_ADMIN_URL": hostile.url + admin,
        "MEDIATOR_METRICS_URL": hostile.url + metrics,
        "MEDIATOR_ADMIN_HEADERS": "'" + json.dumps({"X-API-Key": SECRET}) + "'",
    }
    process = headless(
        tmp_path,
        settings,
        "-f",
        "locustMediatorPing.py",
        "-u",
        "3",
        "-r",
        "3",
        "-t",
        "12s",
        "--workers",
        "1",
        "--fail-on",
        "fail_ratio>0.5",
    )
    code, stderr = finish(process, timeout_s=240)
    out = tmp_path / "out"
    summary = strict_json(out / "summary.json")
    assert code == 0, stderr
    assert summary["total"]["count"] > 0
    mediator = summary["mediator"]
    assert mediator["sources"] == ["process", "admin", "metrics"]
    # The embedded mediator's process, read on: its memory, and the TCP connections its agents hold (the
    # hostile sources give no session count, so the connections are the process's own).
    assert mediator["rss_bytes_max"] and mediator["connections_max"] >= 3
    errors = " | ".join(f"{e['source']}: {e['error']}" for e in mediator["errors"])
    assert admin_error in errors and metrics_error in errors, errors
    assert hostile.requests_to("other") == []
    assert_no_secret(out, stderr, SECRET)
