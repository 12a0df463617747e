"""Beyond one host: the mediator, the master, two load hosts and the TUI each on a host of its own.

The hosts are network namespaces the test makes (tests/support/netns.py), joined by a bridge and nothing
else, each with its own host name:

- `mediator`: the embedded ACA-Py 1.7.0 (`mediator-tui mediator up`), reached on the host's address through a
  relay to its loopback ports, as a reverse proxy in front of a mediator would (it binds loopback only);
- `master`: the tool's headless run, its Locust master bound to the host's address (MASTER_HOST), waiting for
  10 workers of other hosts (REMOTE_WORKERS) and starting none of its own; its web API, on loopback, is
  relayed to the host's address for the TUI;
- `load-c`, `load-d`: `mediator-tui worker --master ADDRESS:PORT --processes 5`, given nothing but the
  master's address and a `.env` of their own holding their own secret settings;
- `watcher`: the TUI attached to the master (the Textual app driven by its pilot, on a thread of the test
  inside that namespace, so that every connection it makes leaves from there).

Every frame crossing the bridge is captured (tests/support/packet_capture.py) from the first process to the
last: no secret setting of any host may be in any connection's bytes, while a non-secret one of the master's
must be (the settings travel, and the capture sees them).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from rich.console import Console

from mediator_tui.core.metrics.host_view import HostView
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.sources.master_api import MasterClient, MasterError
from tests.fixtures.local_run import describe, write_env
from tests.fixtures.tcp_proxy import TcpProxy
from tests.support.netns import Host, Network, call_in
from tests.support.packet_capture import PacketCapture, open_packet_socket
from tests.support.paths import REPO

MEDIATOR, MASTER, LOAD_C, LOAD_D, WATCHER = "mediator", "master", "load-c", "load-d", "watcher"
HTTP_PORT, WS_PORT, ADMIN_PORT = 8020, 8021, 8031  # the mediator's, on its own host: nothing else there
MASTER_PORT = 5557
PROCESSES = 5  # workers per load host
USERS = 10  # one Locust user (one agent) per worker


def _secret(name: str, host: str) -> str:
    return f"{name}-{host}-{secrets.token_hex(6)}"


def secret_settings(host: str) -> dict[str, str]:
    """Every secret setting, with values no other host has."""
    issuer_password = _secret("issuer-pw", host)
    return {
        "ISSUER_HEADERS": json.dumps({"x-api-key": _secret("issuer-key", host)}),
        "VERIFIER_HEADERS": json.dumps({"Authorization": f"Bearer {_secret('verifier-token', host)}"}),
        "MEDIATOR_ADMIN_HEADERS": json.dumps({"x-api-key": _secret("mediator-admin-key", host)}),
        "ATTACH_PASSWORD": _secret("attach-pw", host),
        # Credentials in a URL are secret too (the tool sends them as basic auth, and only to that host).
        "ISSUER_URL": f"http://issuer:{quote(issuer_password)}@10.231.0.250:9/",
        "_issuer_password": issuer_password,
    }


def secret_values(settings: dict[str, str]) -> list[str]:
    """The secret strings in `settings`, as a leak would carry them: inside JSON, in a URL."""
    found = [settings["ATTACH_PASSWORD"], settings["_issuer_password"]]
    for key in ("ISSUER_HEADERS", "VERIFIER_HEADERS", "MEDIATOR_ADMIN_HEADERS"):
        for value in json.loads(settings[key]).values():
            found.append(value.split()[-1])  # a bearer token without its scheme word
    return found


def env_file(path: Path, settings: dict[str, str]) -> Path:
    return write_env(path, {key: value for key, value in settings.items() if not key.startswith("_")})


def hosts_of(snapshot: Snapshot) -> dict[str, HostView]:
    return {host.host: host for host in snapshot.hosts}


def live_on(snapshot: Snapshot, host: str) -> int:
    view = hosts_of(snapshot).get(host)
    return len(view.live) if view else 0


def missing_on(snapshot: Snapshot, host: str) -> int:
    view = hosts_of(snapshot).get(host)
    return len(view.missing) if view else 0


def as_text(renderable: object) -> str:
    console = Console(width=140, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


class Hosts:
    """The network and what the test started on it, with the waits it needs."""

    def __init__(self, net: Network, folder: Path):
        self.net = net
        self.folder = folder
        self.base_env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(REPO),
        }

    def home(self, host: Host) -> Path:
        home = self.folder / host.name
        home.mkdir(exist_ok=True)
        return home

    def env(self, host: Host, **extra: str) -> dict[str, str]:
        """What a process on `host` gets: of the test's own environment only where the provisioned mediators and
        agents are (HOME, XDG_CACHE_HOME) and the test session's marker; a state folder of its own."""
        kept = {k: v for k, v in os.environ.items() if k in ("HOME", "XDG_CACHE_HOME", "MEDIATOR_TUI_TEST_SESSION")}
        return {**self.base_env, **kept, "XDG_STATE_HOME": str(self.home(host) / "state"), **extra}

    def tool(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mediator_tui", *args]

    def start_worker(self, host: Host) -> None:
        host.start(
            self.tool("worker", "--master", f"{self.net[MASTER].address}:{MASTER_PORT}", "--processes", str(PROCESSES)),
            env=self.env(host),
            cwd=self.home(host),
            log_path=self.home(host) / "worker.log",
        )

    def logs(self, lines: int = 25) -> str:
        out = []
        for path in sorted(self.folder.glob("*/*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.relative_to(self.folder)} ---\n" + "\n".join(text))
        return "\n".join(out)


def start_mediator(hosts: Hosts) -> str:
    """The mediator up on its host and reachable at its address; its invitation URL."""
    host = hosts.net[MEDIATOR]
    done = host.run(
        hosts.tool(
            "mediator",
            "up",
            "--flavour",
            "acapy",
            *("--http-port", str(HTTP_PORT), "--ws-port", str(WS_PORT), "--admin-port", str(ADMIN_PORT)),
        ),
        env=hosts.env(
            host,
            MEDIATOR_HTTP_ENDPOINT=f"http://{host.address}:{HTTP_PORT}",
            MEDIATOR_WS_ENDPOINT=f"ws://{host.address}:{WS_PORT}",
        ),
        cwd=hosts.home(host),
        timeout_s=240,
    )
    assert done.returncode == 0, f"mediator up failed:\n{done.stdout}\n{done.stderr}"
    match = re.search(r"^invitation: (\S+)$", done.stdout, re.MULTILINE)
    assert match, done.stdout
    return match.group(1)


def stop_mediator(hosts: Hosts) -> None:
    host = hosts.net[MEDIATOR]
    host.run(hosts.tool("mediator", "down"), env=hosts.env(host), cwd=hosts.home(host), timeout_s=60)


def master_web_port(host: Host, timeout_s: float, why: Callable[[], str]) -> int:
    """The web port of the Locust master on `host` (the tool picks a free one and passes it on its command line)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in host.pids():
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--master" in argv and b"--web-port" in argv:
                return int(argv[argv.index(b"--web-port") + 1])
        time.sleep(0.5)
    raise AssertionError(f"no Locust master on {host.name} within {timeout_s:g} s\n{why()}")


def wait_for_answer(url: str, timeout_s: float, why: Callable[[], str]) -> None:
    """Until `url` answers (called on a host that reaches it)."""
    client = MasterClient(url, timeout_s=3.0)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            client.stats()
            return
        except MasterError as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer within {timeout_s:g} s: {error}\n{why()}") from None
        time.sleep(0.5)


def relay(host: Host, port: int) -> TcpProxy:
    """`host`'s address:`port` carried to its loopback:`port`."""
    return host.call_in(lambda: TcpProxy(port, listen=(host.address, port)))


@pytest.mark.timeout(600)
def test_workers_on_two_hosts_seen_by_host_killed_and_back_no_secret_on_the_wire(tmp_path: Path):
    with Network([MEDIATOR, MASTER, LOAD_C, LOAD_D, WATCHER]) as net:
        hosts = Hosts(net, tmp_path)
        capture = PacketCapture(call_in(net.hub, open_packet_socket, "br0"))
        relays: list[TcpProxy] = []
        secret_by_host = {name: secret_settings(name) for name in (MASTER, LOAD_C, LOAD_D)}
        canary = f"travelling-setting-{secrets.token_hex(6)}"
        try:
            mediator = net[MEDIATOR]
            # Before it starts: its warm-up already reaches it at the address it advertises.
            relays += [relay(mediator, HTTP_PORT), relay(mediator, WS_PORT)]
            invitation = start_mediator(hosts)

            master = net[MASTER]
            master_env = env_file(
                hosts.home(master) / ".env",
                {
                    "MEDIATION_URL": invitation,
                    "LOCUST_FILES": "locustMediatorPing.py",
                    "LOCUST_USERS": str(USERS),
                    "LOCUST_SPAWN_RATE": str(USERS),
                    "LOCUST_WORKERS": "0",
                    "REMOTE_WORKERS": str(2 * PROCESSES),
                    "MASTER_HOST": master.address,
                    "MASTER_PORT": str(MASTER_PORT),
                    "AGENT_ENGINE": "native",
                    "LOCUST_MIN_WAIT": "1",
                    "LOCUST_MAX_WAIT": "2",
                    "VERIFIED_TIMEOUT_SECONDS": "20",
                    "MESSAGE_TO_SEND": canary,  # not secret: travels with the run
                    **secret_by_host[MASTER],
                },
            )
            master.start(
                hosts.tool("--env", str(master_env), "--headless", "--export", str(tmp_path / "export"), "-t", "10m"),
                env=hosts.env(master),
                cwd=hosts.home(master),
                log_path=hosts.home(master) / "headless.log",
            )
            web_port = master_web_port(master, 120, hosts.logs)
            relays.append(relay(master, web_port))
            master_url = f"http://{master.address}:{web_port}"
            # A worker asks the master for the run once, briefly: the master must be listening first.
            net[WATCHER].call_in(wait_for_answer, master_url, 120, hosts.logs)

            for name in (LOAD_C, LOAD_D):
                env_file(hosts.home(net[name]) / ".env", secret_by_host[name])
                hosts.start_worker(net[name])

            watch_from_the_tui(hosts, master_url)
        finally:
            for proxy in relays:
                proxy.close()
            stop_mediator(hosts)
            capture.stop()

    flows = capture.flows()
    assert capture.frames and flows, "nothing captured on the bridge"
    to_workers = [
        f for f, data in flows.items() if f.source == net[MASTER].address and f.source_port == MASTER_PORT and data
    ]
    assert to_workers, f"no bytes from the master to a worker in {list(flows)[:20]}"
    assert capture.flows_holding(canary.encode()), "a non-secret setting of the master's never crossed the wire"
    for host, settings in secret_by_host.items():
        for value in secret_values(settings):
            leaked = capture.flows_holding(value.encode())
            assert not leaked, f"a secret setting of {host} crossed the wire in {[str(f) for f in leaked]}"


def watch_from_the_tui(hosts: Hosts, master_url: str) -> None:
    """The TUI attached from the watcher host, while host C's workers are killed and started again."""
    from mediator_tui.core.run.build import controller_for
    from mediator_tui.tui.app import MediatorTuiApp
    from mediator_tui.tui.panes.hosts import HostsView
    from mediator_tui.tui.panes.status import StatusLine
    from mediator_tui.tui.session import RunSession

    net = hosts.net
    watcher = net[WATCHER]
    env_path = env_file(hosts.home(watcher) / ".env", {"ATTACH_URL": master_url})
    # Built on the watcher: the attached run's poller is a thread it starts, and stays where it was started.
    session = watcher.call_in(RunSession, env_path, controller_for, attached=True)
    assert session.problems == [], session.problems
    app = MediatorTuiApp(session, env_path)

    async def until(pilot, condition: Callable[[Snapshot], bool], timeout_s: float, what: str) -> Snapshot:
        deadline = time.monotonic() + timeout_s
        while True:
            latest = pilot.app.latest
            if latest is not None and condition(latest):
                return latest
            if time.monotonic() > deadline:
                shown = describe(latest) if latest is not None else "nothing read"
                pytest.fail(f"no {what} within {timeout_s:g} s\n{shown}\n{hosts.logs()}")
            await pilot.pause(0.5)

    def shown(pilot) -> tuple[str, str]:
        """(the status line, the Workers screen's hosts) as the TUI draws them now."""
        screen = pilot.app.screen
        return as_text(screen.query_one(StatusLine).content), as_text(screen.query_one(HostsView).content)

    async def scenario() -> None:
        async with app.run_test(size=(140, 45)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("w")
            every = await until(
                pilot,
                lambda s: live_on(s, LOAD_C) == PROCESSES and live_on(s, LOAD_D) == PROCESSES,
                300,
                f"{PROCESSES} workers on each load host",
            )
            assert set(hosts_of(every)) == {LOAD_C, LOAD_D}, every.hosts  # the master's host runs none
            await until(pilot, lambda s: s.agents.running >= USERS, 180, f"{USERS} agents running")
            await pilot.pause(1.5)
            _, hosts_text = shown(pilot)
            for host in (LOAD_C, LOAD_D):
                assert f"{host}  {PROCESSES} workers" in hosts_text, hosts_text

            killed = net[LOAD_C].kill(signal.SIGKILL)
            assert len(killed) > PROCESSES, f"host C ran {sorted(killed)}: its command and its workers"
            await until(
                pilot,
                lambda s: missing_on(s, LOAD_C) == PROCESSES and live_on(s, LOAD_D) == PROCESSES,
                120,
                "host C's workers missing, host D's still there",
            )
            await pilot.pause(1.5)
            status_text, hosts_text = shown(pilot)
            assert f"missing: {LOAD_C})" in status_text, status_text
            c_part, _, d_part = hosts_text.partition(f"{LOAD_D}  ")
            assert f"{LOAD_C}  0 workers" in c_part and f"{PROCESSES} missing since" in c_part, hosts_text
            assert "missing" not in d_part, hosts_text

            hosts.start_worker(net[LOAD_C])
            await until(pilot, lambda s: live_on(s, LOAD_C) == PROCESSES, 180, "host C's workers back")
            await pilot.pause(1.5)
            status_text, hosts_text = shown(pilot)
            assert f"{LOAD_C}  {PROCESSES} workers" in hosts_text, hosts_text
            # Locust keeps listing the killed workers as missing for a minute; they are no longer host C's.
            assert f"missing: {LOAD_C}" not in status_text, status_text

    try:
        watcher.call_in(asyncio.run, scenario())
    finally:
        session.shutdown()
