"""ACA-Py 1.7.0 with its wallet in the private PostgreSQL cluster the tool makes (MEDIATOR_STORAGE=postgres):
the cluster is the tool's own (loopback, its own port, its password in a 0600 file and nowhere else), native
agents onboard on it, their connections and routes survive a crash and restart of the mediator, and nothing
of it runs after the stop."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mediator_tui.agents.interface import AgentError
from mediator_tui.core.mediator import LocalMediator, MediatorError
from mediator_tui.core.mediator.postgres import ACCOUNT, PostgresCluster, clusters_dir
from mediator_tui.core.mediator.postgres_binaries import find
from mediator_tui.core.processes import group_members
from mediator_tui.core.sources.probe import ProbeRunner, probe_target
from tests.mediator.test_mediator_local import wait_for

MAX_CONNECTIONS = 20


@pytest.fixture
def postgres_mediator(tmp_path):
    mediator = LocalMediator(
        "acapy", run_dir=tmp_path / "mediator", storage="postgres", postgres_max_connections=MAX_CONNECTIONS
    )
    mediator.start()
    yield mediator
    mediator.stop()


def psql(cluster: PostgresCluster | None, query: str) -> str:
    """`query` answered by the cluster, as its account, the password passed as psql reads it (PGPASSWORD)."""
    binaries = find()
    assert binaries is not None and cluster is not None
    login = cluster.login
    done = subprocess.run(
        [binaries.program("psql"), "-h", login.host, "-p", str(login.port), "-U", ACCOUNT, "-d", "postgres"]
        + ["-Atc", query],
        env={"PATH": os.environ["PATH"], "PGPASSWORD": login.password()},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def pings(agent) -> bool:
    try:
        agent.ping_mediator()
    except AgentError:
        return False
    return True


def command_lines() -> list[str]:
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    return lines


def test_the_wallet_is_in_a_private_cluster_that_ends_with_the_mediator(postgres_mediator):
    mediator = postgres_mediator
    cluster = mediator.cluster
    assert cluster is not None and cluster.running
    assert cluster.folder.parent == clusters_dir()
    # the mediator's wallet is a database of the cluster, not a SQLite file in its run directory
    assert "mediator" in psql(mediator.cluster, "SELECT datname FROM pg_database").split()
    assert not list((mediator.run_dir / "acapy-home").rglob("sqlite.db"))
    assert psql(mediator.cluster, "SHOW max_connections") == str(MAX_CONNECTIONS)
    assert psql(mediator.cluster, "SHOW listen_addresses") == "127.0.0.1"
    assert psql(mediator.cluster, "SHOW unix_socket_directories") == ""
    # the password: generated, readable by its owner only, on no command line and in no log
    password = cluster.login.password()
    assert len(password) >= 24
    assert stat.S_IMODE(cluster.password_file.stat().st_mode) == 0o600
    assert not [line for line in command_lines() if password in line]
    assert password not in mediator.log_path.read_text() + cluster.log_path.read_text()

    postgres_pid, folder = cluster.pid, cluster.folder
    mediator.stop()
    assert not group_members(postgres_pid), "PostgreSQL outlived the mediator"
    assert not [line for line in command_lines() if str(folder) in line]
    assert not folder.exists()


def test_a_kept_cluster_started_again_finds_its_database_where_it_was(tmp_path):
    folder = tmp_path / "pop.json.mediator" / "postgres"
    cluster = PostgresCluster(folder).start()
    try:
        psql(cluster, "CREATE DATABASE kept")
    finally:
        cluster.stop()
    password = cluster.password_file.read_text()
    again = PostgresCluster(folder).start()
    try:
        assert "kept" in psql(again, "SELECT datname FROM pg_database").split()
    finally:
        again.stop()
    assert again.password_file.read_text() == password
    assert stat.S_IMODE(again.password_file.stat().st_mode) == 0o600


def test_agents_onboarded_on_postgres_keep_their_wallets_across_a_mediator_restart(postgres_mediator, agents):
    mediator = postgres_mediator
    alice, bob = agents(mediator), agents(mediator)
    alice_to_bob = alice.receive_invitation(bob.create_invitation())
    alice.send_message(alice_to_bob, "before the crash")
    assert bob.receive_message().content == "before the crash"
    before = mediator.counts()
    assert before.active_connections == 2 and before.granted_mediations == 2
    postgres_pid = mediator.cluster.pid

    os.killpg(mediator.pgid, signal.SIGKILL)
    wait_for(lambda: not mediator.running, "the mediator to die")
    mediator.restart()

    # the same cluster, untouched by the crash; the wallet in it holds every connection and route
    assert mediator.cluster.pid == postgres_pid and mediator.cluster.running
    assert mediator.counts() == before
    # the agents reconnect (a call on the dropped link fails first) without onboarding again, and the routing
    # still carries their messages
    wait_for(lambda: pings(alice) and pings(bob), "both agents' pings to go through again")
    alice.send_message(alice_to_bob, "after the restart")
    assert bob.receive_message().content == "after the restart"
    assert mediator.counts() == before
    assert alice.reconnects >= 1 and bob.reconnects >= 1


# Fewer server slots than ACA-Py's pool (POSTGRES_POOL) wants under load, enough for it to start and warm up.
LOW_MAX_CONNECTIONS = 6
BURST = 30


def test_a_database_at_its_connection_limit_is_named_by_the_probe(tmp_path):
    with LocalMediator(
        "acapy", run_dir=tmp_path, storage="postgres", postgres_max_connections=LOW_MAX_CONNECTIONS
    ) as mediator:
        runner = ProbeRunner(probe_target({}, mediator), deliver=lambda sample: None)
        assert "database" in runner.target.sources

        def invitation(_: int) -> bool:
            try:
                mediator.create_invitation()
            except MediatorError:
                return False
            return True

        # a burst of admin calls: each needs a database session, the pool grows past the server's slots
        with ThreadPoolExecutor(BURST) as pool:
            answered = list(pool.map(invitation, range(2 * BURST)))
        sample = runner.tick().database

    assert sample is not None and sample.refused > 0, (
        f"no refusal in the server's log ({answered.count(True)} answered)"
    )
    assert sample.error == (
        f"the database refused {sample.refused} connections: too many clients "
        f"(max_connections {LOW_MAX_CONNECTIONS}, MEDIATOR_POSTGRES_MAX_CONNECTIONS)"
    )
