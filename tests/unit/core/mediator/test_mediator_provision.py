"""Finding interpreters (installing a runtime for real is in tests/integration/test_mediator_provision.py)."""

from __future__ import annotations

import pytest

from mediator_tui.commands import mediator as mediator_cmd
from mediator_tui.core.mediator import ProvisionError, flavours, interpreters
from tests.fixtures.interpreters import HERE, fake_pyenv


def test_no_interpreter_message_names_what_is_missing_and_where_it_looked(bare_machine):
    with pytest.raises(ProvisionError) as caught:
        flavours.pick(None)
    message = str(caught.value)
    assert "no Python 3.13 or Python 3.12 (for acapy) and no Python 3.11 (for acapy-legacy)" in message
    assert f"looked in: PATH ({bare_machine})" in message
    assert str(bare_machine / "versions") in message


def test_forced_flavour_without_interpreter_suggests_the_other_flavour(bare_machine, capsys):
    code = mediator_cmd.main(["provision", "--flavour", "acapy"])
    err = capsys.readouterr().err
    assert code == 1
    assert "no Python 3.13 or Python 3.12 interpreter found on PATH or in pyenv" in err
    assert "use --flavour acapy-legacy" in err


def test_interpreter_found_in_pyenv_when_path_has_none(bare_machine, tmp_path, monkeypatch):
    root = tmp_path / "pyenv"
    fake_pyenv(root, f"{HERE[0]}.{HERE[1]}.99")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    found = interpreters.find(HERE)
    assert found is not None and found.version == HERE
    assert interpreters.find((2, 1)) is None


def test_a_shim_that_fails_is_skipped(bare_machine, tmp_path, monkeypatch):
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / f"python{HERE[0]}.{HERE[1]}"
    shim.write_text("#!/bin/sh\necho 'pyenv: version not selected' >&2\nexit 127\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", str(shims))
    assert interpreters.find(HERE) is None
    fake_pyenv(tmp_path / "pyenv", f"{HERE[0]}.{HERE[1]}.1")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    assert interpreters.find(HERE) is not None


def test_newest_pyenv_patch_release_is_looked_at_first(bare_machine, tmp_path, monkeypatch):
    root = tmp_path / "pyenv"
    for patch in ("9", "10", "2"):
        (root / "versions" / f"3.13.{patch}" / "bin").mkdir(parents=True)
    (root / "versions" / "3.12.1" / "bin").mkdir(parents=True)
    monkeypatch.setenv("PYENV_ROOT", str(root))
    in_pyenv = [p for p in interpreters.candidate_paths((3, 13)) if p.startswith(str(root))]
    assert in_pyenv == [str(root / "versions" / f"3.13.{patch}" / "bin" / "python") for patch in ("10", "9", "2")]
