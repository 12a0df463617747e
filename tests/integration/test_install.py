"""`pip install .` (not editable) gives a tool that finds its scenarios and the Credo agent from any folder.

The wheel is built as a user's pip builds it and installed without its dependencies into a
fresh venv, which borrows them from this test's venv (a path line, so this checkout's
editable install stays out of it).
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.installed_tool import run_cmd, user_env


def test_the_installed_tool_checks_a_configuration_of_its_shipped_scenarios_from_any_folder(
    installed_tool, elsewhere, tmp_path
):
    (elsewhere / ".env").write_text("LOCUST_FILES=locustMediatorPing.py,locustMediatorDeliver.py\nAGENT_ENGINE=credo\n")
    result = run_cmd([str(installed_tool / "mediator-tui"), "config", "check"], cwd=elsewhere, env=user_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert ".env: ok" in result.stdout
    # The shipped agent has no node_modules: the credo engine is installed into the cache when first used.
    cache = tmp_path / "cache" / "mediator-tui" / "agent"
    assert f"AGENT_ENGINE=credo: the Credo agent will be installed on first use into {cache}" in result.stdout
    assert "mediator-tui agents provision" in result.stdout


def test_the_installed_tool_finds_its_locustfiles_and_agent_sources_inside_the_installed_package(
    installed_tool, elsewhere, tmp_path
):
    probe = (
        "from mediator_tui.core.config import locustfiles_dir\n"
        "from mediator_tui.common import node_agent\n"
        "print(locustfiles_dir()); print(node_agent.sources())\n"
    )
    result = run_cmd([str(installed_tool / "python"), "-c", probe], cwd=elsewhere, env=user_env(tmp_path))
    assert result.returncode == 0, result.stderr
    locustfiles, agent = map(Path, result.stdout.split())
    venv = installed_tool.parent
    for folder in (locustfiles, agent):
        assert folder.is_relative_to(venv), f"{folder} is not the installed copy"
    assert (locustfiles / "locustMediatorPing.py").is_file() and (locustfiles / "locustIssueRevoke.py").is_file()
    assert all(
        (agent / name).is_file()
        for name in (
            "agent.js",
            "mediator.js",
            "package-lock.json",
            ".npmrc",
            "lib/wallet.js",
            "contexts/citizenship-v1.jsonld",
        )
    )
    assert not (agent / "node_modules").exists()


def test_the_installed_tool_names_a_scenario_need_the_configuration_lacks(installed_tool, elsewhere, tmp_path):
    (elsewhere / ".env").write_text("LOCUST_FILES=locustIssue.py\n")
    result = run_cmd([str(installed_tool / "mediator-tui"), "config", "check"], cwd=elsewhere, env=user_env(tmp_path))
    assert result.returncode == 2
    assert "ISSUER_URL: is empty, but locustIssue.py needs it (the issuer's admin API)" in result.stdout
