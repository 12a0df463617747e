"""Secrets in the configuration and on the command line never reach an exported file, a log,
the terminal or the TUI; credentials written into a URL are sent as basic auth, only to their host.

Here a whole headless run against the embedded mediator. The issuer is hostile in the most ordinary way:
it refuses every call and echoes the request's headers in its error body, so the basic-auth token made
from its URL's password, the bearer token and the API key travel into failure messages, which the tool
records, logs and exports. Every other call it redirects to another host, which must never receive the
credentials.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.support.http_stub import serving
from tests.support.secrets import (
    BEARER,
    ISSUER_API_KEY,
    ISSUER_BASIC,
    ISSUER_PASSWORD,
    ISSUER_USER,
    MY_API_KEY,
    SECRETS,
    VERIFIER_API_KEY,
    Recorder,
    authorizations,
    elsewhere,
)

from .conftest import QUICK, REPO, write_env


@pytest.fixture
def echoing_issuer():
    """(issuer URL, what the issuer saw, what the other host it redirects to saw)."""
    issuer, other = Recorder(), Recorder()
    with serving(other.echoing()) as other_url, serving(issuer.echoing(elsewhere(other_url))) as url:
        yield url, issuer.seen, other.seen


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
    issuer_url, issuer_saw, other_host_saw = echoing_issuer
    parts = urlsplit(issuer_url)
    work = tmp_path / "work"
    work.mkdir()
    env_file = write_env(
        work / "secret.env",
        {
            **QUICK,
            "MEDIATION_URL": acapy_mediator.invitation_url,
            # Credentials in the URL, as curl takes them; the issuer is on loopback: no plain-http warning.
            "ISSUER_URL": f"http://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@{parts.netloc}",
            # Basic auth from the URL takes the Authorization header: the bearer token rides in another.
            "ISSUER_HEADERS": json.dumps({"X-Upstream-Authorization": f"Bearer {BEARER}", "X-API-Key": ISSUER_API_KEY}),
            "VERIFIER_HEADERS": json.dumps({"X-API-Key": VERIFIER_API_KEY}),
            "MY_API_KEY": MY_API_KEY,
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "MEDIATION_"))}
    # Everything the run writes lands under `work`: its temporary run folder too.
    env.update(PYTHONPATH=str(REPO), TMPDIR=str(work), XDG_STATE_HOME=str(work / "state"))
    with FileWatch(work, skip=env_file) as watch:
        tool = subprocess.run(
            [
                sys.executable,
                "-m",
                "mediator_tui",
                "--env",
                str(env_file),
                "--headless",
                "--export",
                str(work / "out"),
                "-f",
                "locustLiveness.py",
                "-u",
                "2",
                "-r",
                "2",
                "-t",
                "6s",
                "--workers",
                "1",
                "--fail-on",
                "fail_ratio>0.5",
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert tool.returncode == 3, tool.stderr  # every liveness call failed: the threshold says so
    assert authorizations(issuer_saw) == {f"Basic {ISSUER_BASIC}"}
    # The issuer's redirects to another host are refused: no header, not even the call, goes there.
    assert other_host_saw == [], "a call went on to another host"
    exported = json.loads((work / "out" / "summary.json").read_text())
    assert exported["total"]["failures"] > 0
    failures = (work / "out" / "failures.csv").read_text()
    assert "unauthorized; you sent" in failures  # the echo made it into the export, scrubbed
    assert any(name.endswith("master.log") for name in watch.files), sorted(watch.files)
    assert watch.leaks == {}
    for stream in (tool.stdout, tool.stderr):
        assert not [s for s in SECRETS if s in stream], stream
    assert "warning" not in tool.stderr  # loopback: nothing crosses a network
