"""Secrets in the configuration and on the command line never reach an exported file, a log,
the terminal or the TUI; credentials written into a URL are sent as basic auth, only to their host.

The issuer here is hostile in the most ordinary way: it refuses every call and echoes
the request's headers in its error body, so the basic-auth token made from its URL's
password, the bearer token and the API key travel into failure messages, which the tool
records, logs and exports. Every other call it redirects to another host, which must
never receive the credentials.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from mediator_tui.core.headless import EXIT_SETUP
from tests.e2e.test_headless import fake_invitation
from tests.http_stub import QuietHandler, serving

from .conftest import QUICK, REPO, write_env

BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWJlYXJlci10b2tlbg.Zm9v"
ISSUER_API_KEY = "issuer-api-key-7f3a9c1d2e"
VERIFIER_API_KEY = "verifier-api-key-5b8e0a4f61"
MY_API_KEY = "my-own-api-key-c0ffee1234"
ISSUER_USER, ISSUER_PASSWORD = "issuer-admin", "issuer-pw-9d2c@41ab"  # '@' written %40 in the URL
ISSUER_BASIC = base64.b64encode(f"{ISSUER_USER}:{ISSUER_PASSWORD}".encode()).decode()
SECRETS = (BEARER, ISSUER_API_KEY, VERIFIER_API_KEY, MY_API_KEY, ISSUER_PASSWORD, quote(ISSUER_PASSWORD),
           ISSUER_BASIC)


def _answer(handler, status: int, body: bytes, **headers: str) -> None:
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
                    _answer(self, 307, b"", Location=redirect_to + self.path)
                else:
                    _answer(self, 401, f"unauthorized; you sent: {dict(self.headers)}".encode())

        return Echoing


def authorizations(seen: list[dict[str, str]]) -> set[str]:
    return {headers.get("Authorization", "") for headers in seen}


def elsewhere(url: str) -> str:
    """The same server under another host name, as a redirect to another host reaches it."""
    return url.replace("127.0.0.1", "localhost")


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


@pytest.mark.e2e
def test_no_secret_reaches_an_export_a_log_or_the_terminal(echoing_issuer, tmp_path, acapy_mediator):
    issuer_url, issuer_saw, other_host_saw = echoing_issuer
    parts = urlsplit(issuer_url)
    work = tmp_path / "work"
    work.mkdir()
    env_file = write_env(work / "secret.env", {
        **QUICK,
        "MEDIATION_URL": acapy_mediator.invitation_url,
        # Credentials in the URL, as curl takes them; the issuer is on loopback: no plain-http warning.
        "ISSUER_URL": f"http://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@{parts.netloc}",
        # Basic auth from the URL takes the Authorization header: the bearer token rides in another.
        "ISSUER_HEADERS": json.dumps({"X-Upstream-Authorization": f"Bearer {BEARER}", "X-API-Key": ISSUER_API_KEY}),
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
    assert authorizations(issuer_saw) == {f"Basic {ISSUER_BASIC}"}
    assert other_host_saw, "the issuer's redirects were not followed"
    assert authorizations(other_host_saw) == {""}, "credentials went on to another host"
    exported = json.loads((work / "out" / "summary.json").read_text())
    assert exported["total"]["failures"] > 0
    failures = (work / "out" / "failures.csv").read_text()
    assert "unauthorized; you sent" in failures  # the echo made it into the export, scrubbed
    assert any(name.endswith("master.log") for name in watch.files), sorted(watch.files)
    assert watch.leaks == {}
    for stream in (tool.stdout, tool.stderr):
        assert not [s for s in SECRETS if s in stream], stream
    assert "warning" not in tool.stderr  # loopback: nothing crosses a network


MASTER_USER, MASTER_PASSWORD = "watcher", "master-pw-51f0c2e8a7"
MASTER_BASIC = "Basic " + base64.b64encode(f"{MASTER_USER}:{MASTER_PASSWORD}".encode()).decode()
SYNTHETIC = REPO / "tests" / "data" / "locustfile_synthetic.py"


def basic_auth_proxy(upstream: str, seen: list[dict[str, str]]):
    """A proxy in front of a Locust master that lets only `MASTER_USER` in, as a user would put one."""
    import requests

    class Proxy(QuietHandler):
        def _forward(self, method: str):
            seen.append(dict(self.headers))
            if self.headers.get("Authorization") != MASTER_BASIC:
                _answer(self, 401, b"who are you?", **{"WWW-Authenticate": 'Basic realm="locust"'})
                return
            length = int(self.headers.get("Content-Length") or 0)
            answer = requests.request(method, upstream + self.path, data=self.rfile.read(length) if length else None,
                                      headers={"Content-Type": self.headers.get("Content-Type", "")}, timeout=10)
            _answer(self, answer.status_code, answer.content, **{"Content-Type": answer.headers["Content-Type"]})

        def do_GET(self):
            self._forward("GET")

        def do_POST(self):
            self._forward("POST")

    return Proxy


def tool(work: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "MEDIATION_", "ATTACH_"))}
    env.update(PYTHONPATH=str(REPO), TMPDIR=str(work), XDG_STATE_HOME=str(work / "state"))
    return subprocess.run([sys.executable, "-m", "mediator_tui", *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.integration
def test_attach_takes_the_urls_credentials_as_basic_auth_and_never_shows_them(locust_cluster, tmp_path):
    cluster = locust_cluster(SYNTHETIC, {}, workers=1)
    seen: list[dict[str, str]] = []
    with serving(basic_auth_proxy(cluster.url, seen)) as proxy:
        netloc = urlsplit(proxy).netloc
        done = tool(tmp_path, "--env", str(write_env(tmp_path / "none.env", {})), "--headless",
                    "--attach", f"http://{MASTER_USER}:{MASTER_PASSWORD}@{netloc}",
                    "--export", str(tmp_path / "out"), "-u", "2", "-r", "2", "-t", "3s")
    assert done.returncode == 0, done.stderr
    assert seen and authorizations(seen) == {MASTER_BASIC}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["total"]["count"] > 0  # the master behind the proxy ran the test
    assert summary["run"]["master_url"] == f"http://{netloc}"  # its host, not `user:pw@host`
    shown = done.stdout + done.stderr + "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert MASTER_PASSWORD not in shown and MASTER_BASIC.split()[1] not in shown
    assert "warning" not in done.stderr  # loopback


def test_a_bad_attach_url_is_refused_without_its_password(tmp_path):
    done = tool(tmp_path, "--env", str(write_env(tmp_path / "none.env", {})), "--headless", "--export",
                str(tmp_path / "out"), "--attach", f"ftp://{MASTER_USER}:{MASTER_PASSWORD}@127.0.0.1:8089")
    assert done.returncode == EXIT_SETUP
    assert "--attach needs the master's web URL" in done.stderr
    assert f"ftp://{MASTER_USER}:****@127.0.0.1:8089" in done.stderr
    assert MASTER_PASSWORD not in done.stderr


@pytest.mark.integration
def test_basic_auth_over_plain_http_to_another_host_is_warned_once(tmp_path):
    settings = {**QUICK, "MEDIATION_URL": fake_invitation(),
                "ISSUER_URL": f"http://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@issuer.invalid:8021",
                "VERIFIER_URL": f"https://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@verifier.invalid"}
    done = tool(tmp_path, "--env", str(write_env(tmp_path / "test.env", settings)), "--headless", "--export",
                str(tmp_path / "out"), "-f", str(SYNTHETIC), "--workers", "1", "-u", "2", "-r", "2", "-t", "3s")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    # https keeps the verifier's credentials encrypted: only the issuer's are warned about.
    assert warnings == ["warning: ISSUER_URL sends basic-auth credentials over plain http to issuer.invalid: "
                        "anyone on the way can read them; use https"]
    assert not [s for s in SECRETS if s in done.stderr]


def tui_shows(env_file: Path, attach_url: str, ready) -> list[str]:
    """The TUI on `--attach attach_url` until `ready(status line)`: the status line, then every line
    of the logs screen."""
    import asyncio

    from textual.widgets import RichLog

    from mediator_tui.core.run.build import Overrides, controller_for
    from mediator_tui.tui.app import MediatorTuiApp
    from mediator_tui.tui.session import RunSession

    session = RunSession(env_file, lambda path: controller_for(path, Overrides(attach_url=attach_url)),
                         attached=True)
    app = MediatorTuiApp(session, env_file, logs_every_s=0.1)
    shown: list[str] = []

    async def scenario():
        async with app.run_test(size=(160, 30)) as pilot:
            for _ in range(60):
                await pilot.pause(0.25)
                if ready(str(app.dashboard.query_one("#status").render())):
                    break
            shown.append(str(app.dashboard.query_one("#status").render()))
            await pilot.press("l")
            await pilot.pause(0.5)
            shown.extend(line.text for log in app.screen.query(RichLog) for line in log.lines)
            await pilot.press("q")

    try:
        asyncio.run(scenario())
    finally:
        session.shutdown()
    return shown


def test_the_tui_attached_through_a_redirect_keeps_the_credentials_on_their_host(tmp_path):
    """A master that redirects to another host gets the URL's credentials, the other host none;
    the status line and the logs screen show neither."""
    target, other = Recorder(), Recorder()
    with serving(other.echoing()) as other_url:
        redirect = elsewhere(other_url)

        class Redirecting(QuietHandler):
            def do_GET(self):
                target.seen.append(dict(self.headers))
                _answer(self, 302, b"", Location=redirect + self.path)

        with serving(Redirecting) as url:
            attach_url = f"http://{MASTER_USER}:{MASTER_PASSWORD}@{urlsplit(url).netloc}"
            shown = tui_shows(write_env(tmp_path / ".env", {}), attach_url,
                              lambda status: other.seen and "credentials" in status)
    assert authorizations(target.seen) == {MASTER_BASIC}
    assert other.seen and authorizations(other.seen) == {""}, "credentials went on to another host"
    assert "wants credentials" in shown[0], shown[0]
    text = "\n".join(shown)
    assert MASTER_PASSWORD not in text and MASTER_BASIC.split()[1] not in text, text


def test_the_tui_warns_once_of_basic_auth_over_plain_http_and_names_the_real_host(tmp_path):
    attach_url = f"http://{MASTER_USER}:{MASTER_PASSWORD}@master.invalid:8089"
    shown = tui_shows(write_env(tmp_path / ".env", {}), attach_url, lambda status: "unknown host" in status)
    assert "unknown host" in shown[0] and "http://master.invalid:8089" in shown[0], shown[0]
    warnings = [line for line in shown[1:] if "plain http" in line]
    assert warnings == ["warning: --attach sends basic-auth credentials over plain http to master.invalid: "
                        "anyone on the way can read them; use https"], shown
    text = "\n".join(shown)
    assert MASTER_PASSWORD not in text and MASTER_BASIC.split()[1] not in text, text


@pytest.mark.integration
def test_a_childs_output_quoted_in_an_error_is_scrubbed_in_the_tui(tmp_path):
    """A locustfile that prints its issuer URL and dies: the master's log tail in the start error
    reaches the user's notification without the password."""
    import asyncio

    from mediator_tui.core.run.build import controller_for
    from mediator_tui.tui.app import MediatorTuiApp
    from mediator_tui.tui.session import RunSession

    leaky = tmp_path / "locustLeaky.py"
    leaky.write_text("import os, sys\nprint('issuer is', os.environ['ISSUER_URL'], file=sys.stderr)\n"
                     "raise SystemExit('cannot go on')\n")
    env_file = write_env(tmp_path / ".env", {
        "MEDIATION_URL": fake_invitation(), "LOCUST_FILES": str(leaky), "LOCUST_WORKERS": "1",
        "ISSUER_URL": f"http://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@127.0.0.1:8021"})
    session = RunSession(env_file, controller_for, attached=False)
    assert session.problems == []
    app = MediatorTuiApp(session, env_file)
    notified: list[str] = []
    notify = app.notify
    app.notify = lambda message, **options: (notified.append(str(message)), notify(message, **options))[1]

    async def scenario():
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause(0.3)
            await pilot.press("s")
            for _ in range(120):
                await pilot.pause(0.25)
                if any("failed" in text for text in notified):
                    break
            await pilot.press("q")
            await pilot.pause(0.3)

    try:
        asyncio.run(scenario())
    finally:
        session.shutdown()
    failure = next((text for text in notified if "Starting failed" in text), "")
    assert "issuer is http://issuer-admin:****@127.0.0.1:8021" in failure, notified
    assert not [s for s in SECRETS if s in "\n".join(notified)], notified
