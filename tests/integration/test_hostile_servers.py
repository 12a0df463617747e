"""Whole headless runs reading from a hostile server: the probe's admin and metrics sources, and an
attached "master". Each run goes on, exports complete strict JSON, names the error, and leaks no header
or password to the other origin or to any output (stderr, every export file)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mediator_tui.core.export import EXPORT_FILES
from tests.fixtures.hostile_server import CONTROL
from tests.support.exports import assert_no_secret, strict_json
from tests.support.headless_runs import fake_invitation, finish, headless
from tests.support.paths import SYNTHETIC

SECRET = "hostile-s3cret-key"
PASSWORD = "attach-pa55word"


@pytest.mark.parametrize(
    "admin, metrics, admin_error, metrics_error",
    [
        ("", "/metrics", "", ""),  # served, but every number hostile
        ("/redirect/307", "/garbage-status", "another origin", "BadStatusLine"),
        ("/truncated", "/trickle", "IncompleteRead", "no answer within"),
    ],
)
def test_the_probe_reports_the_process_whatever_its_http_sources_send(
    tmp_path, hostile, admin, metrics, admin_error, metrics_error
):
    settings = {
        "MEDIATION_URL": fake_invitation(),
        "MEDIATOR_PID": str(os.getpid()),
        "MEDIATOR_ADMIN_URL": hostile.url + admin,
        "MEDIATOR_METRICS_URL": hostile.url + metrics,
        "MEDIATOR_ADMIN_HEADERS": "'" + json.dumps({"X-API-Key": SECRET}) + "'",
    }
    process = headless(
        tmp_path,
        settings,
        "-f",
        str(SYNTHETIC),
        "--workers",
        "1",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "6s",
        "--fail-on",
        "p95 > 100000",
    )
    code, stderr = finish(process)
    out = tmp_path / "out"
    summary = strict_json(out / "summary.json")
    assert code == 0, stderr
    assert summary["total"]["count"] > 0  # the load ran on
    mediator = summary["mediator"]
    assert mediator["sources"] == ["process", "admin", "metrics"]
    assert mediator["rss_bytes_max"] and mediator["cpu_percent_max"] is not None  # the process, read on
    errors = {e["source"]: e["error"] for e in mediator["errors"]}
    if admin_error:
        assert admin_error in errors["admin status"] and metrics_error in errors["metrics"]
    else:
        assert "in_sessions: nan is not a finite number" in errors["admin status figures"]
        assert "mediator_live_sessions: nan is not a finite number" in errors["metrics figures"]
    assert not any(CONTROL in e for e in errors.values())
    assert hostile.requests_to("other") == []
    assert_no_secret(out, stderr, SECRET)


def test_an_attached_master_serving_hostile_numbers_still_gives_a_strict_export(tmp_path, hostile):
    hostile.route("/swarm", b'{"success": true, "message": "ok"}')
    hostile.route("/stop", b"{}")
    url = hostile.url.replace("http://", f"http://ops:{PASSWORD}@")
    process = _attach(tmp_path, url, "-t", "4s", "--fail-on", "p95 > 500", "--fail-on", "rps < 1")
    code, stderr = finish(process)
    out = tmp_path / "out"
    summary = strict_json(out / "summary.json")
    for name in EXPORT_FILES:
        assert (out / name).exists(), name
    # Every figure the master served was NaN, infinite or of the wrong type: none can prove the run good.
    assert code == 3, stderr
    assert all(not t["ok"] for t in summary["thresholds"])
    assert "Authorization" in hostile.requests_to("main")[0][2]
    assert_no_secret(out, stderr, PASSWORD)


@pytest.mark.parametrize("status", [302, 307])
def test_an_attached_master_redirecting_elsewhere_is_refused_naming_both_origins(tmp_path, hostile, status):
    url = hostile.url.replace("http://", f"http://ops:{PASSWORD}@") + f"/redirect/{status}"
    code, stderr = finish(_attach(tmp_path, url, "-t", "4s"), timeout_s=120)
    assert code == 2, stderr
    assert "another origin" in stderr and hostile.other.url.removeprefix("http://") in stderr
    assert hostile.requests_to("other") == []
    assert PASSWORD not in stderr


def _attach(tmp_path: Path, url: str, *args: str) -> subprocess.Popen:
    return headless(tmp_path, {}, "--attach", url, *args)
