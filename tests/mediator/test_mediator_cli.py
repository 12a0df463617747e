"""`mediator-tui mediator up|invite|status|down` as a user runs them, each a separate process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from mediator_tui.common.invitation import decode_invitation_url
from mediator_tui.core.mediator import jsonhttp
from mediator_tui.core.processes import group_members


@pytest.fixture
def cli(tmp_path):
    """Runs the CLI with its own state folder; whatever `up` left running is stopped at the end."""
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    state_file = tmp_path / "state" / "mediator-tui" / "mediator.json"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "mediator_tui", "mediator", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    run.state_file = state_file
    yield run
    if state_file.exists():
        pgid = json.loads(state_file.read_text())["pgid"]
        run("down")
        assert not group_members(pgid)


def url_after(label: str, stdout: str) -> str:
    return next(line.split(None, 1)[1] for line in stdout.splitlines() if line.startswith(label))


@pytest.mark.parametrize("flavour", ["acapy", "acapy-legacy"])
def test_up_invite_status_down(cli, flavour):
    up = cli("up", "--flavour", flavour)
    assert up.returncode == 0, up.stderr
    admin_url = url_after("admin:", up.stdout)
    invitation = decode_invitation_url(url_after("invitation:", up.stdout))
    assert invitation.kind == "oob"
    # The CLI process has exited; the mediator it started still answers.
    assert jsonhttp.call("GET", admin_url + "/status/ready")["ready"] is True
    pgid = json.loads(cli.state_file.read_text())["pgid"]

    invite = cli("invite")
    assert invite.returncode == 0
    assert decode_invitation_url(invite.stdout.strip()).kind == "oob"
    c_i = cli("invite", "--kind", "c_i")
    if flavour == "acapy-legacy":
        assert c_i.returncode == 0
        assert decode_invitation_url(c_i.stdout.strip()).kind == "c_i"
    else:
        assert c_i.returncode == 1
        assert "use --flavour acapy-legacy" in c_i.stderr

    status = cli("status")
    assert status.returncode == 0
    assert f"flavour:      {flavour} (" in status.stdout
    assert f"admin:        {admin_url}" in status.stdout
    assert "connections:  0 active" in status.stdout
    assert "mediations:   0 granted" in status.stdout
    assert "routes:       0 keylist routes" in status.stdout
    assert "cpu limit:    none" in status.stdout and "throttled:" not in status.stdout

    down = cli("down")
    assert down.returncode == 0
    assert not group_members(pgid)
    assert not cli.state_file.exists()
    assert cli("status").returncode == 3
    assert cli("invite").returncode == 3


def test_second_up_says_so_and_changes_nothing(cli):
    first = cli("up", "--flavour", "acapy")
    assert first.returncode == 0, first.stderr
    state_before = cli.state_file.read_text()
    second = cli("up", "--flavour", "acapy-legacy")
    assert second.returncode == 0
    assert "already running" in second.stderr
    assert url_after("admin:", second.stdout) == url_after("admin:", first.stdout)
    assert cli.state_file.read_text() == state_before


def test_up_on_a_taken_port_fails_clearly_and_leaves_nothing(cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        up = cli("up", "--flavour", "acapy", "--http-port", str(port))
    assert up.returncode == 1
    assert f"port 127.0.0.1:{port} (http) is already in use" in up.stderr
    assert not cli.state_file.exists()


def test_down_with_nothing_running_is_harmless(cli):
    down = cli("down")
    assert down.returncode == 0
    assert "no mediator running" in down.stderr


def test_a_stale_record_is_cleared(cli):
    cli.state_file.parent.mkdir(parents=True)
    stale = {
        "flavour": "acapy",
        "pid": 2**22 + 1,
        "pgid": 2**22 + 1,
        "pid_start_ticks": 1,
        "ports": {"http": 1, "ws": 2, "admin": 3},
        "run_dir": str(cli.state_file.parent / "x"),
    }
    cli.state_file.write_text(json.dumps(stale))
    assert cli("status").returncode == 3
    assert not cli.state_file.exists()


def test_up_under_a_cpu_limit_and_status_shows_it_and_the_throttling(cli):
    up = cli("up", "--flavour", "acapy", "--cpu-limit", "250m")
    assert up.returncode == 0, up.stderr
    cgroup = json.loads(cli.state_file.read_text())["cgroup"]
    status = cli("status")
    assert status.returncode == 0, status.stderr
    assert f"cpu limit:    0.25 cores (cgroup {cgroup})" in status.stdout
    # Its start-up (imports, wallet, warm-up mediation) wants more than a quarter of a core in some periods.
    throttled = next(line for line in status.stdout.splitlines() if line.startswith("throttled:"))
    share, periods = throttled.split()[1], throttled.split()[4]
    assert 0 < float(share) <= 100 and int(periods) > 0, throttled
    assert throttled.endswith("s held back since it started"), throttled
    assert cli("down").returncode == 0
    assert not os.path.exists(cgroup)


def test_up_with_a_proxy_advertises_it_and_down_ends_it_with_the_mediator(cli):
    up = cli("up", "--flavour", "acapy", "--proxy", "nginx", "--proxy-idle-timeout", "5s")
    assert up.returncode == 0, up.stderr
    recorded = json.loads(cli.state_file.read_text())
    proxy_group, port = recorded["proxy"]["pgid"], recorded["proxy"]["port"]
    invitation = decode_invitation_url(url_after("invitation:", up.stdout))
    assert invitation.endpoint() == f"http://127.0.0.1:{port}"
    status = cli("status")
    assert f"endpoints:    http://127.0.0.1:{port} ws://127.0.0.1:{port}" in status.stdout
    assert f"proxy:        nginx, idle timeout 5 s, pid {proxy_group}" in status.stdout
    assert cli("down").returncode == 0
    assert not group_members(proxy_group) and not group_members(recorded["pgid"])


def test_a_proxy_whose_mediator_died_is_ended_when_the_record_is_found_stale(cli):
    assert cli("up", "--flavour", "acapy", "--proxy", "nginx").returncode == 0
    recorded = json.loads(cli.state_file.read_text())
    os.killpg(recorded["pgid"], signal.SIGKILL)
    assert cli("status").returncode == 3
    assert not group_members(recorded["proxy"]["pgid"]) and not cli.state_file.exists()


def test_a_bad_proxy_idle_timeout_is_named(cli):
    up = cli("up", "--proxy", "nginx", "--proxy-idle-timeout", "soon")
    assert up.returncode == 2 and "--proxy-idle-timeout: 'soon' is not a duration" in up.stderr


def test_up_on_postgres_shows_the_cluster_and_down_ends_it(cli):
    up = cli("up", "--flavour", "acapy", "--storage", "postgres", "--postgres-max-connections", "12")
    assert up.returncode == 0, up.stderr
    cluster = json.loads(cli.state_file.read_text())["postgres"]
    assert group_members(cluster["pid"]), "the cluster's server is not running"

    status = cli("status")
    assert status.returncode == 0, status.stderr
    storage = url_after("storage:", status.stdout)
    assert storage.startswith(f"postgres on 127.0.0.1:{cluster['port']}, max_connections 12"), storage
    assert cluster["folder"] in storage

    down = cli("down")
    assert down.returncode == 0, down.stderr
    assert not group_members(cluster["pid"]), "PostgreSQL outlived `mediator down`"
    assert not os.path.exists(cluster["folder"])


def test_a_crashed_mediator_on_postgres_leaves_no_cluster_running(cli):
    assert cli("up", "--flavour", "acapy", "--storage", "postgres").returncode == 0
    recorded = json.loads(cli.state_file.read_text())
    os.killpg(recorded["pgid"], signal.SIGKILL)
    wait_gone = time.monotonic() + 10
    while group_members(recorded["pgid"]) and time.monotonic() < wait_gone:
        time.sleep(0.05)

    # the next command finds the record stale and ends what the mediator left: its database server
    assert cli("status").returncode == 3
    assert not group_members(recorded["postgres"]["pid"]), "PostgreSQL outlived its crashed mediator"
    assert not os.path.exists(recorded["postgres"]["folder"])
    assert not cli.state_file.exists()


def test_up_with_two_instances_lists_both_and_down_ends_both(cli):
    up = cli("up", "--flavour", "acapy", "--storage", "postgres", "--proxy", "nginx", "--instances", "2")
    assert up.returncode == 0, up.stderr
    recorded = json.loads(cli.state_file.read_text())
    [second] = recorded["more_instances"]
    assert group_members(recorded["pgid"]) and group_members(second["pgid"])
    status = cli("status")
    assert status.returncode == 0, status.stderr
    ports = second["ports"]
    assert f"instance 2:   pid {second['pgid']}, admin http://127.0.0.1:{ports['admin']}" in status.stdout
    assert f"{ports['http']} and {ports['ws']} (instance 2)" in url_after("proxy:", status.stdout)
    assert cli("down").returncode == 0
    assert not group_members(recorded["pgid"]) and not group_members(second["pgid"])
    assert not group_members(recorded["proxy"]["pgid"]) and not group_members(recorded["postgres"]["pid"])


def test_two_instances_without_a_shared_wallet_are_refused_before_anything_starts(cli):
    up = cli("up", "--flavour", "acapy", "--proxy", "nginx", "--instances", "2")
    assert up.returncode == 1 and "2 mediator instances need MEDIATOR_STORAGE=postgres" in up.stderr, up.stderr
    assert not cli.state_file.exists()
