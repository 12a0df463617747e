"""`pip install .` (not editable) gives a tool that finds its scenarios and the Credo agent from any folder.

The wheel is built as a user's pip builds it and installed without its dependencies into a
fresh venv, which borrows them from this test's venv (a path line, so this checkout's
editable install stays out of it).
"""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def installed_tool(tmp_path_factory) -> Path:
    """The bin/ folder of a venv holding only the built wheel of this checkout."""
    where = tmp_path_factory.mktemp("install")
    built = _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(where / "dist")])
    assert built.returncode == 0, built.stderr
    (wheel,) = (where / "dist").glob("mediator_tui-*.whl")
    venv = where / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)]).returncode == 0
    installed = _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                      "--no-deps", "--no-index", "-q", str(wheel)])
    assert installed.returncode == 0, installed.stderr
    (packages,) = (venv / "lib").glob("python3.*/site-packages")
    (packages / "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A folder outside the checkout, with a fresh cache: where a user of the installed tool works."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MEDIATOR_TUI_AGENT_DIR")}
    return {**env, "XDG_CACHE_HOME": str(tmp_path / "cache"), **extra}


def test_the_installed_tool_checks_a_configuration_of_its_shipped_scenarios_from_any_folder(
        installed_tool, elsewhere, tmp_path):
    (elsewhere / ".env").write_text("LOCUST_FILES=locustMediatorPing.py,locustMediatorDeliver.py\n"
                                    "AGENT_ENGINE=credo\n")
    result = _run([str(installed_tool / "mediator-tui"), "config", "check"], cwd=elsewhere, env=_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert ".env: ok" in result.stdout
    # The shipped agent has no node_modules: the credo engine is installed into the cache when first used.
    cache = tmp_path / "cache" / "mediator-tui" / "agent"
    assert f"AGENT_ENGINE=credo: the Credo agent will be installed on first use into {cache}" in result.stdout
    assert "mediator-tui agents provision" in result.stdout


def test_the_installed_tool_finds_its_locustfiles_and_agent_sources_inside_the_installed_package(
        installed_tool, elsewhere, tmp_path):
    probe = ("from mediator_tui.core.config import locustfiles_dir\n"
             "from mediator_tui.common import node_agent\n"
             "print(locustfiles_dir()); print(node_agent.sources())\n")
    result = _run([str(installed_tool / "python"), "-c", probe], cwd=elsewhere, env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    locustfiles, agent = map(Path, result.stdout.split())
    venv = installed_tool.parent
    for folder in (locustfiles, agent):
        assert folder.is_relative_to(venv), f"{folder} is not the installed copy"
    assert (locustfiles / "locustMediatorPing.py").is_file() and (locustfiles / "locustIssueRevoke.py").is_file()
    assert all((agent / name).is_file() for name in ("agent.js", "mediator.js", "package-lock.json", ".npmrc",
                                                     "lib/wallet.js", "contexts/citizenship-v1.jsonld"))
    assert not (agent / "node_modules").exists()


def test_the_installed_tool_names_a_scenario_need_the_configuration_lacks(installed_tool, elsewhere, tmp_path):
    (elsewhere / ".env").write_text("LOCUST_FILES=locustIssue.py\n")
    result = _run([str(installed_tool / "mediator-tui"), "config", "check"], cwd=elsewhere, env=_env(tmp_path))
    assert result.returncode == 2
    assert "ISSUER_URL: is empty, but locustIssue.py needs it (the issuer's admin API)" in result.stdout


@pytest.mark.mediator
def test_agents_provision_installs_the_credo_agent_into_the_cache_for_the_engine_and_the_mediator(
        installed_tool, elsewhere, tmp_path):
    env = _env(tmp_path, XDG_STATE_HOME=str(tmp_path / "state"))
    tool = str(installed_tool / "mediator-tui")
    where = _run([str(installed_tool / "python"), "-c",
                  "from mediator_tui.common import node_agent; print(node_agent.cache_copy())"],
                 cwd=elsewhere, env=env)
    copy = Path(where.stdout.strip())
    copy.mkdir(parents=True)
    (copy / "half-copied.js").write_text("")  # a killed install: no stamp

    first = _run([tool, "agents", "provision"], cwd=elsewhere, env=env)
    assert first.returncode == 0, first.stderr
    assert f"removing unfinished install in {copy}" in first.stderr
    assert f"installing the Credo agent (agent/, npm ci) into {copy} (a minute or two)" in first.stderr
    assert re.search(r"^installed the Credo agent \(agent/, npm ci\) in \d+s$", first.stderr, re.M)
    assert not (copy / "half-copied.js").exists()

    again = _run([tool, "agents", "provision"], cwd=elsewhere, env=env)
    assert again.returncode == 0 and "installing" not in again.stderr
    (elsewhere / ".env").write_text("AGENT_ENGINE=credo\n")
    check = _run([tool, "config", "check"], cwd=elsewhere, env=env)
    assert f"AGENT_ENGINE=credo: the Credo agent installed in {copy}" in check.stdout

    # The engine's script and the credo mediator both come from that copy.
    engine = _run([str(installed_tool / "python"), "-c",
                   "from mediator_tui.agents.credo import setup; print(setup.script('agent.js'))"],
                  cwd=elsewhere, env=env)
    assert Path(engine.stdout.strip()) == copy / "agent.js"
    up = _run([tool, "mediator", "up", "--flavour", "credo"], cwd=elsewhere, env=env)
    try:
        assert up.returncode == 0, up.stderr
        assert "invitation: http://127.0.0.1:" in up.stdout
        status = _run([tool, "mediator", "status"], cwd=elsewhere, env=env)
        assert status.returncode == 0 and "credo" in status.stdout
    finally:
        assert _run([tool, "mediator", "down"], cwd=elsewhere, env=env).returncode == 0
