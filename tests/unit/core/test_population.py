"""The wallet population file: what it keeps, who may read it, what is refused and how the workers share it."""

import json
import multiprocessing
import stat

import pytest

from mediator_tui.core.population import (
    EmbeddedMediator,
    MediatorOfPopulation,
    PopulationError,
    add_wallets,
    check_mediator,
    read_population,
    share_of,
)
from mediator_tui.core.run.controller import RunError
from mediator_tui.core.run.local import LocalSpec
from mediator_tui.core.run.population_setup import prepare_population

EMBEDDED = MediatorOfPopulation(
    "http://127.0.0.1:8020",
    EmbeddedMediator("acapy", "/somewhere/pop.json.mediator", {"http": 8020, "ws": 8021, "admin": 8022}),
)
REMOTE = MediatorOfPopulation("https://mediator.example.org")


def wallet(n: int) -> dict:
    return {"engine": "native", "did": f"did:key:z{n}", "mediator_key_seed": f"secret-{n}"}


def test_wallets_added_are_read_back_with_their_mediator_and_the_file_is_for_its_owner_only(tmp_path):
    path = tmp_path / "pop.json"
    assert read_population(path) is None
    assert add_wallets(path, EMBEDDED, [wallet(1), wallet(2)]) == 2
    assert add_wallets(path, EMBEDDED, [wallet(2), wallet(3)]) == 3  # one already there is kept once
    population = read_population(path)
    assert population.mediator == EMBEDDED
    assert [w["did"] for w in population.wallets] == ["did:key:z1", "did:key:z2", "did:key:z3"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secret-1" not in repr(population)  # a population printed shows no keys


def test_a_file_made_wider_by_hand_is_narrowed_at_the_next_save(tmp_path):
    path = tmp_path / "pop.json"
    add_wallets(path, REMOTE, [wallet(1)])
    path.chmod(0o644)
    add_wallets(path, REMOTE, [wallet(2)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _add_many(path: str, first: int) -> None:
    add_wallets(path, REMOTE, [wallet(n) for n in range(first, first + 50)])


def test_workers_saving_at_once_lose_none_of_each_others_wallets(tmp_path):
    path = tmp_path / "pop.json"
    workers = [multiprocessing.Process(target=_add_many, args=(str(path), 100 * i)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert len(read_population(path).wallets) == 200


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{not json", "not JSON"),
        ('{"format": "something else"}', "not a wallet population"),
        ('{"format": "mediator-tui wallet population", "version": 9}', "version 9"),
        ('{"format": "mediator-tui wallet population", "version": 1, "mediator": {}}', "endpoint"),
        (
            '{"format": "mediator-tui wallet population", "version": 1, "mediator": {"endpoint": "x"}, "wallets": [1]}',
            "wallet 0",
        ),
        (
            '{"format": "mediator-tui wallet population", "version": 1, '
            '"mediator": {"endpoint": "x", "embedded": {"flavour": "acapy"}}, "wallets": []}',
            "embedded",
        ),
    ],
)
def test_a_malformed_file_is_an_error_naming_it_and_what_is_wrong(tmp_path, text, named):
    path = tmp_path / "pop.json"
    path.write_text(text)
    with pytest.raises(PopulationError, match=named) as error:
        read_population(path)
    assert str(path) in str(error.value)


def test_a_population_of_another_mediator_is_refused_naming_both(tmp_path):
    path = tmp_path / "pop.json"
    add_wallets(path, REMOTE, [wallet(1)])
    population = read_population(path)
    check_mediator(population, "https://mediator.example.org")
    with pytest.raises(PopulationError, match="mediator.example.org.*not to this run's at https://other"):
        check_mediator(population, "https://other")
    with pytest.raises(PopulationError, match="not to the embedded one"):
        check_mediator(population, "", "auto")
    with pytest.raises(PopulationError, match="its wallets were not added"):
        add_wallets(path, EMBEDDED, [wallet(2)])


def test_an_embedded_population_refuses_another_flavour_and_a_wallet_folder_that_is_gone(tmp_path):
    path = tmp_path / "pop.json"
    add_wallets(path, EMBEDDED, [wallet(1)])
    with pytest.raises(PopulationError, match="MEDIATOR_FLAVOUR=acapy"):
        check_mediator(read_population(path), "", "credo")
    spec = LocalSpec(locustfiles=(), env={"AGENT_ENGINE": "native"})
    with pytest.raises(RunError, match="pop.json.mediator is gone"):
        prepare_population(spec, path, lambda line: None)


def test_an_embedded_population_starts_its_mediator_again_where_and_as_it_was_and_says_where(tmp_path):
    path = tmp_path / "pop.json"
    wallet_dir = tmp_path / "pop.json.mediator"
    wallet_dir.mkdir()
    embedded = EmbeddedMediator("acapy-legacy", str(wallet_dir), {"http": 8020, "ws": 8021, "admin": 8022})
    add_wallets(path, MediatorOfPopulation("http://127.0.0.1:8020", embedded), [wallet(1)])
    said = []
    spec, population = prepare_population(LocalSpec(locustfiles=(), env={}), path, said.append)
    assert (spec.mediator_wallet_dir, spec.mediator_flavour) == (wallet_dir, "acapy-legacy")
    assert (spec.mediator_ports.http, spec.mediator_ports.ws, spec.mediator_ports.admin) == (8020, 8021, 8022)
    assert len(population.wallets) == 1
    assert str(wallet_dir) in said[0] and "1 saved wallets reconnect" in said[0]


def test_a_new_population_keeps_the_embedded_mediators_wallet_beside_the_file(tmp_path):
    said = []
    spec, population = prepare_population(LocalSpec(locustfiles=(), env={}), tmp_path / "p.json", said.append)
    assert population is None and spec.mediator_wallet_dir == tmp_path / "p.json.mediator"
    assert "new" in said[0]


def test_a_population_needs_the_native_engine(tmp_path):
    with pytest.raises(RunError, match="AGENT_ENGINE=native"):
        prepare_population(LocalSpec(locustfiles=(), env={"AGENT_ENGINE": "credo"}), tmp_path / "p.json", print)


def test_workers_share_the_wallets_without_overlap_and_alike_in_every_run():
    wallets = tuple(wallet(n) for n in range(7))
    shares = [share_of(wallets, index, 3) for index in range(3)]
    assert sorted(w["did"] for share in shares for w in share) == sorted(w["did"] for w in wallets)
    assert shares == [share_of(wallets, index, 3) for index in range(3)]
    assert share_of(wallets, 3, 3) == ()


def test_a_saved_file_is_plain_json_a_user_can_read(tmp_path):
    path = tmp_path / "pop.json"
    add_wallets(path, REMOTE, [wallet(1)])
    document = json.loads(path.read_text())
    assert (
        document["format"] == "mediator-tui wallet population" and document["mediator"]["endpoint"] == REMOTE.endpoint
    )


def postgres_population(tmp_path, with_cluster: bool):
    path, wallet_dir = tmp_path / "pop.json", tmp_path / "pop.json.mediator"
    (wallet_dir / "postgres" if with_cluster else wallet_dir).mkdir(parents=True)
    embedded = EmbeddedMediator("acapy", str(wallet_dir), {"http": 8020, "ws": 8021, "admin": 8022}, "postgres")
    add_wallets(path, MediatorOfPopulation("http://127.0.0.1:8020", embedded), [wallet(1)])
    return path, wallet_dir


def test_a_population_is_refused_with_another_wallet_storage_naming_the_one_it_was_made_with(tmp_path):
    sqlite_path = tmp_path / "sqlite" / "pop.json"
    add_wallets(sqlite_path, EMBEDDED, [wallet(1)])
    postgres_path, _ = postgres_population(tmp_path, with_cluster=True)
    assert read_population(postgres_path).mediator.embedded.storage == "postgres"
    with pytest.raises(RunError, match="wallet in sqlite, not in postgres.*MEDIATOR_STORAGE=sqlite"):
        prepare_population(LocalSpec(locustfiles=(), env={}, mediator_storage="postgres"), sqlite_path, print)
    with pytest.raises(RunError, match="wallet in postgres, not in sqlite.*MEDIATOR_STORAGE=postgres"):
        prepare_population(LocalSpec(locustfiles=(), env={}, mediator_storage="sqlite"), postgres_path, print)


def test_a_population_saved_before_its_storage_was_recorded_is_sqlites(tmp_path):
    path = tmp_path / "pop.json"
    add_wallets(path, EMBEDDED, [wallet(1)])
    document = json.loads(path.read_text())
    del document["mediator"]["embedded"]["storage"]
    path.write_text(json.dumps(document))
    with pytest.raises(PopulationError, match="MEDIATOR_STORAGE=sqlite"):
        check_mediator(read_population(path), "", "auto", "postgres")


def test_a_postgres_population_keeps_its_cluster_beside_the_file_and_says_where(tmp_path):
    path, wallet_dir = postgres_population(tmp_path, with_cluster=True)
    said = []
    spec, _ = prepare_population(LocalSpec(locustfiles=(), env={}, mediator_storage="postgres"), path, said.append)
    assert spec.mediator_wallet_dir == wallet_dir
    assert f"its PostgreSQL cluster in {wallet_dir / 'postgres'}" in said[0]


def test_a_postgres_population_whose_cluster_is_gone_is_refused(tmp_path):
    path, _ = postgres_population(tmp_path, with_cluster=False)
    with pytest.raises(RunError, match=r"PostgreSQL cluster .*pop.json.mediator/postgres is gone"):
        prepare_population(LocalSpec(locustfiles=(), env={}, mediator_storage="postgres"), path, print)
