"""`mediator up` takes its wallet storage from --storage, else from the .env (and the environment), as a run does;
a bad value there is refused naming the setting."""

from __future__ import annotations

import argparse

import pytest

from mediator_tui.commands.mediator import _storage_choice
from mediator_tui.core.mediator import LocalMediator, MediatorError


def up_args(env, storage=None, max_connections=None) -> argparse.Namespace:
    return argparse.Namespace(env=str(env), storage=storage, postgres_max_connections=max_connections)


def test_the_env_file_chooses_unless_the_command_line_does(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDIATOR_STORAGE", raising=False)
    monkeypatch.delenv("MEDIATOR_POSTGRES_MAX_CONNECTIONS", raising=False)
    env = tmp_path / ".env"
    assert _storage_choice(up_args(env)) == ("sqlite", 100)
    env.write_text("MEDIATOR_STORAGE=postgres\nMEDIATOR_POSTGRES_MAX_CONNECTIONS=7\n")
    assert _storage_choice(up_args(env)) == ("postgres", 7)
    assert _storage_choice(up_args(env, storage="sqlite", max_connections=9)) == ("sqlite", 9)


def test_a_bad_storage_in_the_env_file_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDIATOR_STORAGE", raising=False)
    env = tmp_path / ".env"
    env.write_text("MEDIATOR_STORAGE=mysql\n")
    with pytest.raises(MediatorError, match="MEDIATOR_STORAGE: must be one of sqlite, postgres"):
        _storage_choice(up_args(env))


def test_no_connection_at_all_is_refused_not_replaced(tmp_path):
    with pytest.raises(MediatorError, match="max_connections must be at least 1"):
        LocalMediator("acapy", run_dir=tmp_path, storage="postgres", postgres_max_connections=0)
