"""`mediator status` and `down` read the record `up` left; a damaged record is no mediator, never a traceback."""

from __future__ import annotations

import argparse
import json

import pytest

from mediator_tui.commands.mediator import NOT_RUNNING, cmd_status
from mediator_tui.core.mediator import state

PORTS = {"http": 1, "ws": 2, "admin": 3}


@pytest.mark.parametrize(
    "record",
    [
        [1, 2],
        "a string",
        {"flavour": "acapy", "ports": PORTS, "postgres": {"folder": "x", "max_connections": "many"}},
        {"flavour": "acapy", "ports": PORTS, "more_instances": ["not an instance"]},
    ],
)
def test_a_damaged_record_reads_as_no_mediator(tmp_path, monkeypatch, capsys, record):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    if isinstance(record, dict):
        record["run_dir"] = str(tmp_path / "run")
    state.save(record)  # type: ignore[arg-type]
    assert cmd_status(argparse.Namespace()) == NOT_RUNNING
    assert state.load() is None
    assert "Traceback" not in capsys.readouterr().err


def test_a_record_that_is_not_an_object_is_none(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    state.state_file().parent.mkdir(parents=True)
    state.state_file().write_text(json.dumps([1, 2]))
    assert state.load() is None
