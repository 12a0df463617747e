"""Secrets in the configuration and on the command line never reach an exported file, a log,
the terminal or the TUI; credentials written into a URL are sent as basic auth, only to their host.

Here with loopback stand-ins only: a bad attach URL, and the TUI attached to a master that redirects or
that does not exist. With real Locust: tests/integration/test_secrets.py; a whole run against the
embedded mediator: tests/e2e/reliability/test_secrets.py.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from mediator_tui.core.headless import EXIT_SETUP
from tests.fixtures.local_run import write_env
from tests.support.http_stub import QuietHandler, serving
from tests.support.secrets import (
    MASTER_BASIC,
    MASTER_PASSWORD,
    MASTER_USER,
    Recorder,
    authorizations,
    elsewhere,
    run_tool,
    send_answer,
)


def test_a_bad_attach_url_is_refused_without_its_password(tmp_path):
    done = run_tool(
        tmp_path,
        "--env",
        str(write_env(tmp_path / "none.env", {})),
        "--headless",
        "--export",
        str(tmp_path / "out"),
        "--attach",
        f"ftp://{MASTER_USER}:{MASTER_PASSWORD}@127.0.0.1:8089",
    )
    assert done.returncode == EXIT_SETUP
    assert "--attach needs the master's web URL" in done.stderr
    assert f"ftp://{MASTER_USER}:****@127.0.0.1:8089" in done.stderr
    assert MASTER_PASSWORD not in done.stderr


def tui_shows(env_file: Path, attach_url: str, ready) -> list[str]:
    """The TUI on `--attach attach_url` until `ready(status line)`: the status line, then every line
    of the logs screen."""
    import asyncio

    from textual.widgets import RichLog

    from mediator_tui.core.run.build import Overrides, controller_for
    from mediator_tui.tui.app import MediatorTuiApp
    from mediator_tui.tui.session import RunSession

    session = RunSession(env_file, lambda path: controller_for(path, Overrides(attach_url=attach_url)), attached=True)
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
    """A master that redirects to another host gets the URL's credentials, the other host nothing: the
    redirect is refused, naming both origins; the status line and the logs screen show no credential."""
    target, other = Recorder(), Recorder()
    with serving(other.echoing()) as other_url:
        redirect = elsewhere(other_url)

        class Redirecting(QuietHandler):
            def do_GET(self):
                target.seen.append(dict(self.headers))
                send_answer(self, 302, b"", Location=redirect + self.path)

        with serving(Redirecting) as url:
            attach_url = f"http://{MASTER_USER}:{MASTER_PASSWORD}@{urlsplit(url).netloc}"
            shown = tui_shows(write_env(tmp_path / ".env", {}), attach_url, lambda status: "another origin" in status)
    assert authorizations(target.seen) == {MASTER_BASIC}
    assert other.seen == [], "the call went on to another host"
    assert f"to another origin, {urlsplit(redirect).scheme}://{urlsplit(redirect).netloc}" in shown[0], shown[0]
    text = "\n".join(shown)
    assert MASTER_PASSWORD not in text and MASTER_BASIC.split()[1] not in text, text


def test_the_tui_warns_once_of_basic_auth_over_plain_http_and_names_the_real_host(tmp_path):
    attach_url = f"http://{MASTER_USER}:{MASTER_PASSWORD}@master.invalid:8089"
    shown = tui_shows(write_env(tmp_path / ".env", {}), attach_url, lambda status: "unknown host" in status)
    assert "unknown host" in shown[0] and "http://master.invalid:8089" in shown[0], shown[0]
    warnings = [line for line in shown[1:] if "plain http" in line]
    assert warnings == [
        "warning: --attach sends basic-auth credentials over plain http to master.invalid: "
        "anyone on the way can read them; use https"
    ], shown
    text = "\n".join(shown)
    assert MASTER_PASSWORD not in text and MASTER_BASIC.split()[1] not in text, text
