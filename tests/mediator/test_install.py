"""`mediator-tui agents provision` of the installed tool (`pip install .`, not editable) puts the Credo agent
into the cache, where the engine and the credo mediator both find it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fixtures.installed_tool import run_cmd, user_env


def test_agents_provision_installs_the_credo_agent_into_the_cache_for_the_engine_and_the_mediator(
    installed_tool, elsewhere, tmp_path
):
    env = user_env(tmp_path, XDG_STATE_HOME=str(tmp_path / "state"))
    tool = str(installed_tool / "mediator-tui")
    where = run_cmd(
        [
            str(installed_tool / "python"),
            "-c",
            "from mediator_tui.common import node_agent; print(node_agent.cache_copy())",
        ],
        cwd=elsewhere,
        env=env,
    )
    copy = Path(where.stdout.strip())
    copy.mkdir(parents=True)
    (copy / "half-copied.js").write_text("")  # a killed install: no stamp

    first = run_cmd([tool, "agents", "provision"], cwd=elsewhere, env=env)
    assert first.returncode == 0, first.stderr
    assert f"removing unfinished install in {copy}" in first.stderr
    assert f"installing the Credo agent (agent/, npm ci) into {copy} (a minute or two)" in first.stderr
    assert re.search(r"^installed the Credo agent \(agent/, npm ci\) in \d+s$", first.stderr, re.M)
    assert not (copy / "half-copied.js").exists()

    again = run_cmd([tool, "agents", "provision"], cwd=elsewhere, env=env)
    assert again.returncode == 0 and "installing" not in again.stderr
    (elsewhere / ".env").write_text("AGENT_ENGINE=credo\n")
    check = run_cmd([tool, "config", "check"], cwd=elsewhere, env=env)
    assert f"AGENT_ENGINE=credo: the Credo agent installed in {copy}" in check.stdout

    # The engine's script and the credo mediator both come from that copy.
    engine = run_cmd(
        [
            str(installed_tool / "python"),
            "-c",
            "from mediator_tui.agents.credo import setup; print(setup.script('agent.js'))",
        ],
        cwd=elsewhere,
        env=env,
    )
    assert Path(engine.stdout.strip()) == copy / "agent.js"
    up = run_cmd([tool, "mediator", "up", "--flavour", "credo"], cwd=elsewhere, env=env)
    try:
        assert up.returncode == 0, up.stderr
        assert "invitation: http://127.0.0.1:" in up.stdout
        status = run_cmd([tool, "mediator", "status"], cwd=elsewhere, env=env)
        assert status.returncode == 0 and "credo" in status.stdout
    finally:
        assert run_cmd([tool, "mediator", "down"], cwd=elsewhere, env=env).returncode == 0
