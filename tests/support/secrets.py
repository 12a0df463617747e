"""Secrets as a user writes them into the configuration and the command line, and servers that record every
request's headers: what the secret-keeping tests (unit, integration, e2e) share."""

from __future__ import annotations

import base64
import itertools
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from tests.support.http_stub import QuietHandler
from tests.support.paths import REPO

BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWJlYXJlci10b2tlbg.Zm9v"
ISSUER_API_KEY = "issuer-api-key-7f3a9c1d2e"
VERIFIER_API_KEY = "verifier-api-key-5b8e0a4f61"
MY_API_KEY = "my-own-api-key-c0ffee1234"
ISSUER_USER, ISSUER_PASSWORD = "issuer-admin", "issuer-pw-9d2c@41ab"  # '@' written %40 in the URL
ISSUER_BASIC = base64.b64encode(f"{ISSUER_USER}:{ISSUER_PASSWORD}".encode()).decode()
SECRETS = (BEARER, ISSUER_API_KEY, VERIFIER_API_KEY, MY_API_KEY, ISSUER_PASSWORD, quote(ISSUER_PASSWORD), ISSUER_BASIC)

MASTER_USER, MASTER_PASSWORD = "watcher", "master-pw-51f0c2e8a7"
MASTER_BASIC = "Basic " + base64.b64encode(f"{MASTER_USER}:{MASTER_PASSWORD}".encode()).decode()


def send_answer(handler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    for name, value in {"Content-Type": "text/plain", "Content-Length": str(len(body)), **headers}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class Recorder:
    """Servers that record the headers of every request they get, and the servers' URLs."""

    def __init__(self):
        self.seen: list[dict[str, str]] = []

    def echoing(self, redirect_to: str = ""):
        """401 echoing the request's headers; with `redirect_to`, every second request is
        sent there instead (same path)."""
        recorder, turns = self, itertools.count()

        class Echoing(QuietHandler):
            def do_GET(self):
                recorder.seen.append(dict(self.headers))
                if redirect_to and next(turns) % 2:
                    send_answer(self, 307, b"", Location=redirect_to + self.path)
                else:
                    send_answer(self, 401, f"unauthorized; you sent: {dict(self.headers)}".encode())

        return Echoing


def authorizations(seen: list[dict[str, str]]) -> set[str]:
    return {headers.get("Authorization", "") for headers in seen}


def elsewhere(url: str) -> str:
    """The same server under another host name, as a redirect to another host reaches it."""
    return url.replace("127.0.0.1", "localhost")


def run_tool(work: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "MEDIATION_", "ATTACH_"))}
    env.update(PYTHONPATH=str(REPO), TMPDIR=str(work), XDG_STATE_HOME=str(work / "state"))
    return subprocess.run(
        [sys.executable, "-m", "mediator_tui", *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_headless(
    work: Path, env_file: Path, scenario: Path, users: int, timeout: float = 120
) -> subprocess.CompletedProcess:
    """A 3 s local headless run of `scenario` on one worker, exported to `work/out`."""
    return run_tool(
        work,
        *("--env", str(env_file), "--headless", "--export", str(work / "out"), "-f", str(scenario)),
        *("--workers", "1", "-u", str(users), "-r", str(users), "-t", "3s"),
        timeout=timeout,
    )
