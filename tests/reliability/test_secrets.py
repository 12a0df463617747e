"""Secrets in the configuration never reach an exported file, a log or the terminal.

The issuer here is hostile in the most ordinary way: it refuses every call and echoes
the request's headers in its error body, so the bearer token and the API key travel
into failure messages, which the tool records, logs and exports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.http_stub import QuietHandler, serving

from .conftest import QUICK, REPO, write_env

pytestmark = pytest.mark.e2e

BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWJlYXJlci10b2tlbg.Zm9v"
ISSUER_API_KEY = "issuer-api-key-7f3a9c1d2e"
VERIFIER_API_KEY = "verifier-api-key-5b8e0a4f61"
MY_API_KEY = "my-own-api-key-c0ffee1234"
SECRETS = (BEARER, ISSUER_API_KEY, VERIFIER_API_KEY, MY_API_KEY)


class EchoingIssuer(QuietHandler):
    def do_GET(self):
        body = f"unauthorized; you sent: {dict(self.headers)}".encode()
        self.send_response(401)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def echoing_issuer():
    with serving(EchoingIssuer) as url:
        yield url


class FileWatch:
    """Reads every file under `root` now and then while the run goes on: logs in a run folder are
    removed when the run ends, and must not have held a secret even for a while."""

    def __init__(self, root: Path, skip: Path):
        self.root, self.skip = root, skip
        self.leaks: dict[str, str] = {}  # file -> a line holding a secret
        self.files: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)
        self.scan()

    def _run(self):
        while not self._stop.wait(0.5):
            self.scan()

    def scan(self):
        for path in self.root.rglob("*"):
            if path == self.skip or not path.is_file():
                continue
            try:
                text = path.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            self.files.add(str(path.relative_to(self.root)))
            leaked = [line for line in text.splitlines() if any(secret in line for secret in SECRETS)]
            if leaked:
                self.leaks.setdefault(str(path.relative_to(self.root)), leaked[0][:300])


def test_no_secret_reaches_an_export_a_log_or_the_terminal(echoing_issuer, tmp_path, acapy_mediator):
    work = tmp_path / "work"
    work.mkdir()
    env_file = write_env(work / "secret.env", {
        **QUICK,
        "MEDIATION_URL": acapy_mediator.invitation_url,
        "ISSUER_URL": echoing_issuer,
        "ISSUER_HEADERS": json.dumps({"Authorization": f"Bearer {BEARER}", "X-API-Key": ISSUER_API_KEY}),
        "VERIFIER_HEADERS": json.dumps({"X-API-Key": VERIFIER_API_KEY}),
        "MY_API_KEY": MY_API_KEY,
    })
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "MEDIATION_"))}
    # Everything the run writes lands under `work`: its temporary run folder too.
    env.update(PYTHONPATH=str(REPO), TMPDIR=str(work), XDG_STATE_HOME=str(work / "state"))
    with FileWatch(work, skip=env_file) as watch:
        tool = subprocess.run(
            [sys.executable, "-m", "mediator_tui", "--env", str(env_file), "--headless", "--export",
             str(work / "out"), "-f", "locustLiveness.py", "-u", "2", "-r", "2", "-t", "6s", "--workers", "1",
             "--fail-on", "fail_ratio>0.5"],
            cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert tool.returncode == 3, tool.stderr  # every liveness call failed: the threshold says so
    exported = json.loads((work / "out" / "summary.json").read_text())
    assert exported["total"]["failures"] > 0
    failures = (work / "out" / "failures.csv").read_text()
    assert "unauthorized; you sent" in failures  # the echo made it into the export, scrubbed
    assert any(name.endswith("master.log") for name in watch.files), sorted(watch.files)
    assert watch.leaks == {}
    for stream in (tool.stdout, tool.stderr):
        assert not [s for s in SECRETS if s in stream], stream
