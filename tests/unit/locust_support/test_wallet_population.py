"""A worker's part of the wallet population: its share handed out one per slot, its onboarded wallets saved."""

import json

import pytest

from mediator_tui.core.mediator import EMBEDDED_MEDIATOR_ENV
from mediator_tui.core.population import EmbeddedMediator, MediatorOfPopulation, PopulationError, add_wallets
from mediator_tui.locust_support.wallet_population import WorkerPopulation, population_mediator

MEDIATOR = MediatorOfPopulation(
    "http://127.0.0.1:8020", EmbeddedMediator("acapy", "/w", {"http": 1, "ws": 2, "admin": 3})
)


def wallet(n: int) -> dict:
    return {"engine": "native", "did": f"did:key:z{n}"}


def test_two_workers_hand_out_every_saved_wallet_once_then_none(tmp_path):
    path = tmp_path / "pop.json"
    add_wallets(path, MEDIATOR, [wallet(n) for n in range(5)])
    workers = [WorkerPopulation(str(path), MEDIATOR, index, 2) for index in range(2)]
    handed = [w["did"] for worker in workers for w in iter(worker.next_saved, None)]
    assert sorted(handed) == sorted(f"did:key:z{n}" for n in range(5))
    assert all(worker.next_saved() is None for worker in workers)


def test_wallets_onboarded_are_added_to_the_file_at_the_next_save(tmp_path):
    path = tmp_path / "pop.json"
    worker = WorkerPopulation(str(path), MEDIATOR, 0, 1)
    assert worker.next_saved() is None  # a new population: every agent onboards
    worker.onboarded(wallet(1))
    worker.onboarded(wallet(2))
    worker.save()
    saved = json.loads(path.read_text())
    assert [w["did"] for w in saved["wallets"]] == ["did:key:z1", "did:key:z2"]
    assert saved["mediator"]["embedded"]["wallet_dir"] == "/w"


def test_a_malformed_file_leaves_a_worker_started_by_hand_onboarding(tmp_path, caplog):
    path = tmp_path / "pop.json"
    path.write_text("{broken")
    worker = WorkerPopulation(str(path), MEDIATOR, 0, 1)
    assert worker.next_saved() is None
    assert str(path) in caplog.text


def test_the_embedded_mediator_is_named_from_the_state_the_run_hands_its_workers(monkeypatch):
    state = {"flavour": "acapy", "run_dir": "/w", "ports": {"http": 1, "ws": 2, "admin": 3}, "storage": "postgres"}
    monkeypatch.setenv(EMBEDDED_MEDIATOR_ENV, json.dumps(state))
    embedded = population_mediator("").embedded
    assert embedded == EmbeddedMediator("acapy", "/w", {"http": 1, "ws": 2, "admin": 3}, "postgres")


@pytest.mark.parametrize("state", ["{broken", "[1, 2]", '{"flavour": "acapy", "run_dir": "/w"}'])
def test_an_unreadable_mediator_state_is_a_population_error_naming_it(monkeypatch, state):
    monkeypatch.setenv(EMBEDDED_MEDIATOR_ENV, state)
    with pytest.raises(PopulationError, match=EMBEDDED_MEDIATOR_ENV):
        population_mediator("")
