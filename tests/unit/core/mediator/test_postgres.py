"""The private PostgreSQL cluster's parts that need no server: finding and installing the programs, the
settings ACA-Py gets (the password only in its environment), the choice of flavour, the refusals named."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from mediator_tui.core.mediator import LocalMediator, MediatorError, ProvisionError, postgres_binaries
from mediator_tui.core.mediator.acapy import POSTGRES_POOL, acapy
from mediator_tui.core.mediator.flavour import direct_endpoints
from mediator_tui.core.mediator.postgres import (
    ACCOUNT,
    DatabaseLogin,
    PostgresCluster,
    PostgresError,
    count_refusals,
    refusals_text,
)
from mediator_tui.core.mediator.process import Ports


def install(folder: Path, programs=postgres_binaries.PROGRAMS) -> None:
    folder.mkdir(parents=True)
    for name in programs:
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)


def test_the_newest_debian_install_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    for major in ("9", "15", "13"):
        install(tmp_path / major / "bin")
    install(tmp_path / "16" / "bin", programs=("initdb",))  # a client-only or broken install
    found = postgres_binaries.find(str(tmp_path / "*" / "bin"))
    assert found is not None and found.folder == tmp_path / "15" / "bin"
    assert found.program("initdb") == str(tmp_path / "15" / "bin" / "initdb")


def test_programs_on_path_are_found_where_debian_has_none(tmp_path, monkeypatch):
    install(tmp_path / "usr" / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "usr" / "bin"))
    found = postgres_binaries.find(str(tmp_path / "none" / "*"))
    assert found is not None and found.folder == tmp_path / "usr" / "bin"


def test_missing_programs_without_apt_are_an_error_naming_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(postgres_binaries, "apt_usable", lambda: False)
    with pytest.raises(
        ProvisionError, match=r"initdb, postgres.*`apt-get install postgresql`.*MEDIATOR_STORAGE=sqlite"
    ):
        postgres_binaries.ensure(debian_glob=str(tmp_path / "*" / "bin"))


def test_acapy_gets_postgres_storage_with_the_password_in_its_environment_only(tmp_path):
    password_file = tmp_path / "password"
    password_file.write_text("s3cret-from-the-file\n")
    flavour = acapy()
    flavour.runtime = type("Runtime", (), {"entry_point": tmp_path / "aca-py"})()
    flavour.use_database(DatabaseLogin("127.0.0.1", 54321, ACCOUNT, password_file))
    spec = flavour.launch_spec(ports := Ports(http=1001, ws=1002, admin=1003), tmp_path, direct_endpoints(ports))

    assert spec.argv[spec.argv.index("--wallet-storage-type") + 1] == "postgres_storage"
    assert spec.argv[spec.argv.index("--wallet-type") + 1] == "askar"
    assert not [word for word in spec.argv if "s3cret" in word]
    config = json.loads(spec.env["ACAPY_WALLET_STORAGE_CONFIG"])
    assert config == {"url": "127.0.0.1:54321", "max_connections": POSTGRES_POOL}
    creds = json.loads(spec.env["ACAPY_WALLET_STORAGE_CREDS"])
    assert creds == {
        "account": ACCOUNT,
        "password": "s3cret-from-the-file",
        "admin_account": ACCOUNT,
        "admin_password": "s3cret-from-the-file",
    }


def test_acapy_without_a_database_keeps_its_sqlite_wallet(tmp_path):
    flavour = acapy()
    flavour.runtime = type("Runtime", (), {"entry_point": tmp_path / "aca-py"})()
    spec = flavour.launch_spec(ports := Ports(http=1001, ws=1002, admin=1003), tmp_path, direct_endpoints(ports))
    assert "--wallet-storage-type" not in spec.argv
    assert not {"ACAPY_WALLET_STORAGE_CONFIG", "ACAPY_WALLET_STORAGE_CREDS"} & set(spec.env)


def test_an_unreadable_password_file_is_named(tmp_path):
    with pytest.raises(PostgresError, match="password file"):
        DatabaseLogin("127.0.0.1", 1, ACCOUNT, tmp_path / "gone").password()


def test_postgres_is_refused_for_credo_and_unknown_storage_before_anything_starts(tmp_path):
    with pytest.raises(MediatorError, match="credo mediator cannot keep its wallet in PostgreSQL"):
        LocalMediator("credo", run_dir=tmp_path, storage="postgres")
    with pytest.raises(MediatorError, match="unknown wallet storage 'mysql'"):
        LocalMediator("acapy", run_dir=tmp_path, storage="mysql")
    assert not list(tmp_path.iterdir())


def test_a_cluster_needs_at_least_one_connection(tmp_path):
    with pytest.raises(PostgresError, match="at least 1"):
        PostgresCluster(tmp_path, 0)


def test_a_running_cluster_is_handed_over_between_processes_without_its_password(tmp_path):
    cluster = PostgresCluster(tmp_path / "cluster", 7)
    cluster.port, cluster.pid, cluster.pid_start_ticks = 5433, 4242, 99
    state = cluster.to_state()
    assert "password" not in json.dumps(state)
    again = PostgresCluster.from_state(json.loads(json.dumps(state)))
    assert (again.folder, again.port, again.pid, again.pid_start_ticks, again.max_connections) == (
        tmp_path / "cluster",
        5433,
        4242,
        99,
        7,
    )


def test_refusals_are_counted_and_named_with_the_setting_to_raise():
    log = [
        b"2026-12-07 08:22:01.431 UTC [14346] FATAL:  sorry, too many clients already",
        b"2026-12-07 08:22:01.432 UTC [14347] LOG:  checkpoint starting",
        b"2026-12-07 08:22:01.433 UTC [14348] FATAL:  remaining connection slots are reserved for superuser",
    ]
    assert count_refusals(log) == 2
    assert refusals_text(2, 6) == (
        "the database refused 2 connections: too many clients (max_connections 6, MEDIATOR_POSTGRES_MAX_CONNECTIONS)"
    )


def test_the_password_file_is_made_for_its_owner_only(tmp_path):
    """initdb itself is not run here: the file it reads the password from is made before it, 0600."""
    cluster = PostgresCluster(tmp_path / "cluster")
    binaries = postgres_binaries.PostgresBinaries(tmp_path / "bin")
    install(tmp_path / "bin")
    (tmp_path / "bin" / "initdb").write_text("#!/bin/sh\nexit 0\n")
    cluster._init(binaries, [])
    mode = stat.S_IMODE(cluster.password_file.stat().st_mode)
    assert mode == 0o600 and len(cluster.password_file.read_text().strip()) >= 24


def fake_server(tmp_path: Path) -> Path:
    """Programs that stand for PostgreSQL's: initdb leaves a mark; postgres says it is ready (postmaster.pid)
    and waits, as the server does, until SIGINT (its fast shutdown). In Python: a shell started with SIGINT
    ignored, as a test process may be, cannot trap it, and the stop would wait out its grace."""
    install(tmp_path / "bin")
    (tmp_path / "bin" / "initdb").write_text(f"#!/bin/sh\ntouch {tmp_path / 'initdb-ran'}\n")
    (tmp_path / "bin" / "postgres").write_text(
        f"#!{sys.executable}\n"
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *_: sys.exit(0))\n"
        "with open(os.path.join(sys.argv[2], 'postmaster.pid'), 'w') as f:\n"
        "    f.write(f'{os.getpid()}\\n\\n\\n\\n\\n\\n\\nready\\n')\n"
        "time.sleep(60)\n"
    )
    return tmp_path / "bin"


def test_a_kept_cluster_is_started_again_as_it_is_with_its_password(tmp_path, monkeypatch):
    bin_dir = fake_server(tmp_path)
    monkeypatch.setattr(postgres_binaries, "ensure", lambda progress: postgres_binaries.PostgresBinaries(bin_dir))
    folder = tmp_path / "pop.json.mediator" / "postgres"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "PG_VERSION").write_text("15\n")
    (folder / "password").write_text("the-password-initdb-was-given\n")
    (folder / "password").chmod(0o644)
    said = []
    cluster = PostgresCluster(folder, progress=said.append).start()
    try:
        assert cluster.running and cluster.login.password() == "the-password-initdb-was-given"
    finally:
        cluster.stop()
    assert not (tmp_path / "initdb-ran").exists()
    assert (folder / "data" / "PG_VERSION").exists()
    assert stat.S_IMODE((folder / "password").stat().st_mode) == 0o600
    assert f"using the PostgreSQL cluster kept in {folder}" in said


def test_a_kept_cluster_without_its_password_file_is_an_error_naming_it(tmp_path):
    folder = tmp_path / "postgres"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "PG_VERSION").write_text("15\n")
    with pytest.raises(PostgresError, match=f"lost its password file {folder / 'password'}.*remove the folder"):
        PostgresCluster(folder).start()
