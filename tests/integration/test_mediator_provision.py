"""Installing a mediator runtime into the cache for real: a fresh venv and pip, with no index needed.

Finding the interpreters is in tests/unit/core/mediator/test_mediator_provision.py.
"""

from __future__ import annotations

import subprocess

import pytest

from mediator_tui.core.mediator import ProvisionError, provision
from tests.fixtures.interpreters import HERE, fake_pyenv


def test_half_finished_install_is_redone_and_a_finished_one_reused(bare_machine, tmp_path, monkeypatch):
    fake_pyenv(tmp_path / "pyenv", f"{HERE[0]}.{HERE[1]}.1")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    # pip is already in every new venv, so installing it needs no index.
    variant = provision.RuntimeVariant("tiny", HERE, "pip", "pip")
    leftover = provision.runtimes_dir() / "tiny" / "leftover-of-a-killed-install"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("")

    lines: list[str] = []
    runtime = provision.ensure([variant], lines.append)
    assert not leftover.exists()
    assert any("removing unfinished install" in line for line in lines)
    assert runtime.entry_point.exists()
    assert subprocess.run([str(runtime.entry_point), "--version"], capture_output=True).returncode == 0

    again: list[str] = []
    assert provision.ensure([variant], again.append) == runtime
    assert again == []


def test_a_failing_pip_install_reports_pips_error(bare_machine, tmp_path, monkeypatch):
    fake_pyenv(tmp_path / "pyenv", f"{HERE[0]}.{HERE[1]}.1")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    variant = provision.RuntimeVariant("broken", HERE, "no-such-package-mediator-tui==1", "x")
    with pytest.raises(
        ProvisionError, match=r"(?s)failed \(exit 1\).*No matching distribution found for no-such-package"
    ):
        provision.ensure([variant])
    assert provision.installed(variant) is None
