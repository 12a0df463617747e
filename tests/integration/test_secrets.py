"""Secrets in the configuration and on the command line never reach an exported file, a log,
the terminal or the TUI; credentials written into a URL are sent as basic auth, only to their host.

Here under real Locust on the synthetic locustfile (no mediator): attaching through a basic-auth proxy,
the plain-http warning, and a dying locustfile's output quoted in the TUI.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

from tests.fixtures.local_run import QUICK, write_env
from tests.support.headless_runs import fake_invitation
from tests.support.http_stub import QuietHandler, serving
from tests.support.paths import SYNTHETIC
from tests.support.secrets import (
    ISSUER_PASSWORD,
    ISSUER_USER,
    MASTER_BASIC,
    MASTER_PASSWORD,
    MASTER_USER,
    SECRETS,
    authorizations,
    run_headless,
    run_tool,
    send_answer,
)


def basic_auth_proxy(upstream: str, seen: list[dict[str, str]]):
    """A proxy in front of a Locust master that lets only `MASTER_USER` in, as a user would put one."""
    import requests

    class Proxy(QuietHandler):
        def _forward(self, method: str):
            seen.append(dict(self.headers))
            if self.headers.get("Authorization") != MASTER_BASIC:
                send_answer(self, 401, b"who are you?", **{"WWW-Authenticate": 'Basic realm="locust"'})
                return
            length = int(self.headers.get("Content-Length") or 0)
            answer = requests.request(
                method,
                upstream + self.path,
                data=self.rfile.read(length) if length else None,
                headers={"Content-Type": self.headers.get("Content-Type", "")},
                timeout=10,
            )
            send_answer(self, answer.status_code, answer.content, **{"Content-Type": answer.headers["Content-Type"]})

        def do_GET(self):
            self._forward("GET")

        def do_POST(self):
            self._forward("POST")

    return Proxy


def test_attach_takes_the_urls_credentials_as_basic_auth_and_never_shows_them(locust_cluster, tmp_path):
    cluster = locust_cluster(SYNTHETIC, {}, workers=1)
    seen: list[dict[str, str]] = []
    with serving(basic_auth_proxy(cluster.url, seen)) as proxy:
        netloc = urlsplit(proxy).netloc
        done = run_tool(
            tmp_path,
            "--env",
            str(write_env(tmp_path / "none.env", {})),
            "--headless",
            "--attach",
            f"http://{MASTER_USER}:{MASTER_PASSWORD}@{netloc}",
            "--export",
            str(tmp_path / "out"),
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "3s",
        )
    assert done.returncode == 0, done.stderr
    assert seen and authorizations(seen) == {MASTER_BASIC}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["total"]["count"] > 0  # the master behind the proxy ran the test
    assert summary["run"]["master_url"] == f"http://{netloc}"  # its host, not `user:pw@host`
    shown = done.stdout + done.stderr + "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert MASTER_PASSWORD not in shown and MASTER_BASIC.split()[1] not in shown
    assert "warning" not in done.stderr  # loopback


def test_basic_auth_over_plain_http_to_another_host_is_warned_once(tmp_path):
    settings = {
        **QUICK,
        "MEDIATION_URL": fake_invitation(),
        "ISSUER_URL": f"http://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@issuer.invalid:8021",
        "VERIFIER_URL": f"https://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@verifier.invalid",
    }
    done = run_headless(tmp_path, write_env(tmp_path / "test.env", settings), SYNTHETIC, users=2)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    # https keeps the verifier's credentials encrypted: only the issuer's are warned about.
    assert warnings == [
        "warning: ISSUER_URL sends basic-auth credentials over plain http to issuer.invalid: "
        "anyone on the way can read them; use https"
    ]
    assert not [s for s in SECRETS if s in done.stderr]


def test_a_childs_output_quoted_in_an_error_is_scrubbed_in_the_tui(tmp_path):
    """A locustfile that prints its issuer URL and dies: the master's log tail in the start error
    reaches the user's notification without the password."""
    import asyncio

    from mediator_tui.core.run.build import controller_for
    from mediator_tui.tui.app import MediatorTuiApp
    from mediator_tui.tui.session import RunSession

    leaky = tmp_path / "locustLeaky.py"
    leaky.write_text(
        "import os, sys\nprint('issuer is', os.environ['ISSUER_URL'], file=sys.stderr)\n"
        "raise SystemExit('cannot go on')\n"
    )
    env_file = write_env(
        tmp_path / ".env",
        {
            "MEDIATION_URL": fake_invitation(),
            "LOCUST_FILES": str(leaky),
            "LOCUST_WORKERS": "1",
            "ISSUER_URL": f"http://{ISSUER_USER}:{quote(ISSUER_PASSWORD)}@127.0.0.1:8021",
        },
    )
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
