"""The cached copy of the Credo agent follows its shipped scripts, not only its package-lock.json: a changed
mediator.js must not run from a copy made before the change."""

from __future__ import annotations

import pytest

from mediator_tui.common import node_agent


def _shipped(tmp_path, monkeypatch):
    folder = tmp_path / "agent"
    (folder / "lib").mkdir(parents=True)
    (folder / "package-lock.json").write_text("{}")
    (folder / "mediator.js").write_text("// one\n")
    (folder / "lib" / "link.js").write_text("// link\n")
    monkeypatch.setattr(node_agent, "sources", lambda: folder)
    return folder


def test_a_changed_script_gets_a_copy_of_its_own(tmp_path, monkeypatch):
    folder = _shipped(tmp_path, monkeypatch)
    before = node_agent.cache_copy()
    (folder / "lib" / "link.js").write_text("// link, changed\n")
    assert node_agent.cache_copy() != before


def test_installed_packages_do_not_change_the_copy(tmp_path, monkeypatch):
    folder = _shipped(tmp_path, monkeypatch)
    before = node_agent.cache_copy()
    (folder / "node_modules" / "x").mkdir(parents=True)
    (folder / "node_modules" / "x" / "index.js").write_text("")
    assert node_agent.cache_copy() == before


def test_sources_without_a_lock_file_are_named_as_a_broken_install(tmp_path, monkeypatch):
    folder = _shipped(tmp_path, monkeypatch)
    (folder / "package-lock.json").unlink()
    with pytest.raises(node_agent.NodeAgentError, match="no package-lock.json"):
        node_agent.cache_copy()
