"""Attaching to masters the tool did not start, and a worker on another (network-namespace) host."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from mediator_tui.core.run.attach import attach
from mediator_tui.core.run.controller import RunLoad
from mediator_tui.core.run.local import LocalRun, LocalSpec
from tests.support.paths import REPO, SYNTHETIC


def wait_until(controller, condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        controller.refresh(2.0)
        snapshot = controller.snapshot()
        if condition(snapshot):
            return snapshot
    raise AssertionError(f"timed out waiting for {what}; last status {controller.snapshot().status}")


def test_attach_to_plain_locust_then_rescale_and_stop(locust_cluster):
    cluster = locust_cluster(SYNTHETIC, {}, workers=2)
    run = attach(cluster.url, RunLoad(users=4, spawn_rate=10))
    try:
        run.start()
        wait_until(run, lambda s: s.status.state == "running" and s.status.users == 4, 30, "4 users")
        run.rescale(8, 10)
        snapshot = wait_until(run, lambda s: s.status.users == 8 and s.total.count > 0, 30, "8 users")
        assert snapshot.status.mode == "attached" and snapshot.status.worker_count == 2
        assert snapshot.status.error == ""
        assert not snapshot.agents.known  # plain Locust serves no agent metrics: unknown, not an error
        run.stop()
        wait_until(run, lambda s: s.status.state == "stopped", 30, "stopped")
    finally:
        run.shutdown()
    assert cluster.group.alive(), "detaching must leave someone else's master running"


def test_an_unreachable_master_is_a_status_that_is_retried_not_a_crash():
    run = attach("http://127.0.0.1:1", RunLoad(users=1, spawn_rate=1), poll_every_s=0.2)
    try:
        run.refresh(5.0)
        snapshot = run.snapshot()
        assert not snapshot.status.connected and snapshot.status.state == "unreachable"
        assert "connection refused" in snapshot.status.error
    finally:
        run.shutdown()


# -- a worker on another host: a network namespace joined to this one by a veth pair -------------

MASTER_IP, WORKER_IP = "169.254.231.1", "169.254.231.2"  # link-local, only on the test's veth pair


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=10)


@pytest.fixture
def other_host():
    """A network namespace with one veth link to this host; only the two test addresses exist on it."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and the `ip` command to make a network namespace and a veth pair")
    name = f"mtui{os.getpid() % 100000}"
    host_if, ns_if = f"{name}h", f"{name}n"
    try:
        _ip("netns", "add", name)
    except subprocess.CalledProcessError as error:
        pytest.skip(f"cannot make a network namespace here: {error.stderr.strip()}")
    try:
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", name)
        _ip("addr", "add", f"{MASTER_IP}/30", "dev", host_if)
        _ip("link", "set", host_if, "up")
        _ip("-n", name, "addr", "add", f"{WORKER_IP}/30", "dev", ns_if)
        _ip("-n", name, "link", "set", ns_if, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield name
    finally:
        subprocess.run(["ip", "link", "delete", host_if], capture_output=True, timeout=10)
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=10)


def test_a_worker_in_another_network_namespace_joins_the_local_master(other_host, tmp_path):
    # The synthetic scenario talks to nobody: a mediation URL that is never used, so no mediator starts.
    run = LocalRun(
        LocalSpec(
            locustfiles=(SYNTHETIC,),
            workers=1,
            mediation_url="http://127.0.0.1:9/unused",
            master_bind_host=MASTER_IP,
            run_dir=tmp_path,
        ),
        RunLoad(users=6, spawn_rate=20),
    )
    remote = None
    try:
        run.prepare()
        log = open(tmp_path / "remote-worker.log", "wb")
        remote = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                other_host,
                sys.executable,
                "-m",
                "locust",
                "--worker",
                "-f",
                str(SYNTHETIC),
                "--master-host",
                MASTER_IP,
                "--master-port",
                str(run.master_port),
            ],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(run, lambda s: s.status.worker_count == 2, 60, "the remote worker to join")
        run.start()
        snapshot = wait_until(
            run,
            lambda s: s.status.users == 6 and all(w.users > 0 for w in s.status.workers),
            30,
            "users on both workers",
        )
        assert len({w.worker_id for w in snapshot.status.workers}) == 2
    finally:
        if remote is not None:
            remote.terminate()
            try:
                remote.wait(10)
            except subprocess.TimeoutExpired:
                remote.kill()
                remote.wait(5)
        run.shutdown()
