"""A mediator probe that cannot read what it is pointed at: a wrong admin URL, wrong headers (401), a
metrics endpoint answering garbage or nothing. The run goes on; each source gives one clear message in
the export (the pane's: tests/unit/tui/test_mediator_pane.py); the headers show nowhere."""

from __future__ import annotations

import json
from html import escape

import pytest

from mediator_tui.core.export import EXPORT_FILES
from tests.support.headless_runs import fake_invitation, finish, headless
from tests.support.http_stub import answering, closed_port_url, serving
from tests.support.paths import SYNTHETIC

SECRET = "s3cr3t-admin-key"


@pytest.mark.parametrize("admin", ["401", "closed port"])
def test_a_probe_that_cannot_read_its_sources_says_so_once_and_the_run_goes_on(tmp_path, admin):
    """A 401 admin API with an endpoint answering garbage; a closed admin port with one answering nothing."""
    with (
        serving(answering(401, '{"message": "Unauthorized"}', content_type="application/json")) as unauthorized,
        serving(answering(200, "<html>this is not Prometheus text {{</html>")) as garbage,
    ):
        admin_url, metrics_url = (
            (unauthorized, f"{garbage}/metrics")
            if admin == "401"
            else (closed_port_url(), f"{closed_port_url()}/metrics")
        )
        settings = {
            "MEDIATION_URL": fake_invitation(),
            "MEDIATOR_ADMIN_URL": admin_url,
            "MEDIATOR_ADMIN_HEADERS": "'" + json.dumps({"X-API-Key": SECRET}) + "'",
            "MEDIATOR_METRICS_URL": metrics_url,
        }
        process = headless(tmp_path, settings, "-f", str(SYNTHETIC), "--workers", "2", "-u", "2", "-r", "2", "-t", "6s")
        code, stderr = finish(process)
    assert code == 0, stderr
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["total"]["count"] > 0  # the load ran on
    mediator = summary["mediator"]
    assert mediator["sources"] == ["admin", "metrics"]
    errors = {e["source"]: e["error"] for e in mediator["errors"]}
    assert set(errors) == {"admin status", "metrics"}  # one message per fault: no list call after a failed status
    assert admin_url in errors["admin status"] and metrics_url in errors["metrics"]
    if admin == "401":
        assert "HTTP 401" in errors["admin status"] and "not Prometheus text" in errors["metrics"]
    else:
        assert "refused" in errors["admin status"].lower() and "refused" in errors["metrics"].lower()
    assert mediator["cpu_percent_max"] is None and mediator["connections_max"] is None
    assert {"figure": "descriptors", "enable": "set MEDIATOR_PID (a mediator on this host)"} in mediator["unknown"]
    html = (out / "report.html").read_text()
    assert escape(errors["metrics"]) in html
    for name in EXPORT_FILES:
        assert SECRET not in (out / name).read_text(), name
    assert SECRET not in stderr
