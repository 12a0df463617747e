"""MEDIATOR_STORAGE and MEDIATOR_POSTGRES_MAX_CONNECTIONS: read from the .env, refused where they cannot work,
and handed to the embedded mediator of a run as they were set."""

from __future__ import annotations

import pytest

from mediator_tui.core.config import load_config
from mediator_tui.core.run.build import embedded_shape


def config_of(tmp_path, text: str):
    scenario = tmp_path / "scenario.py"
    scenario.write_text("# a scenario\n")
    env = tmp_path / ".env"
    env.write_text(f"LOCUST_FILES={scenario}\n{text}")
    return load_config(env, environ={}, strict=False)


def test_sqlite_is_the_default_and_postgres_reaches_the_run_as_set(tmp_path):
    assert embedded_shape(config_of(tmp_path, ""))["mediator_storage"] == "sqlite"
    config = config_of(tmp_path, "MEDIATOR_STORAGE=postgres\nMEDIATOR_POSTGRES_MAX_CONNECTIONS=6\n")
    assert not config.problems
    shape = embedded_shape(config)
    assert (shape["mediator_storage"], shape["mediator_postgres_max_connections"]) == ("postgres", 6)


@pytest.mark.parametrize(
    "text, key, words",
    [
        ("MEDIATOR_STORAGE=postgres\nMEDIATOR_FLAVOUR=credo\n", "MEDIATOR_STORAGE", "needs an ACA-Py flavour"),
        ("MEDIATOR_STORAGE=mysql\n", "MEDIATOR_STORAGE", "must be one of sqlite, postgres"),
        (
            "MEDIATOR_STORAGE=postgres\nMEDIATOR_POSTGRES_MAX_CONNECTIONS=0\n",
            "MEDIATOR_POSTGRES_MAX_CONNECTIONS",
            "at least 1",
        ),
        ("MEDIATOR_POSTGRES_MAX_CONNECTIONS=many\n", "MEDIATOR_POSTGRES_MAX_CONNECTIONS", "whole number"),
    ],
)
def test_a_storage_that_cannot_work_is_named(tmp_path, text, key, words):
    problems = config_of(tmp_path, text).problems
    assert [(p.key, words in p.message) for p in problems] == [(key, True)], problems
