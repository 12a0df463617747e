"""The credo mediator flavour: what it runs, and what it says when Node or Credo is missing."""

from pathlib import Path

import pytest

from mediator_tui.common import node_agent
from mediator_tui.core.mediator.credo import credo
from mediator_tui.core.mediator.errors import ProvisionError
from mediator_tui.core.mediator.flavour import Endpoints
from mediator_tui.core.mediator.process import Ports
from tests.support.installed_agent import installed_agent_folder


def _node_saying(version: str, folder: Path) -> Path:
    node = folder / "node"
    node.write_text(f"#!/bin/sh\necho {version}\n")
    node.chmod(0o755)
    return node


def test_it_runs_the_mediator_script_on_the_given_loopback_ports_with_its_wallet_in_the_run_dir(tmp_path, monkeypatch):
    agent = installed_agent_folder(tmp_path / "agent")
    monkeypatch.setenv(node_agent.AGENT_DIR_ENV, str(agent))
    monkeypatch.setenv("NODE_BINARY", str(_node_saying("v20.11.1", tmp_path)))
    flavour = credo()
    assert flavour.provision() == "Credo 0.5.19 mediator on Node v20.11.1"
    spec = flavour.launch_spec(
        Ports(http=1001, ws=1002, admin=1003), tmp_path, Endpoints("http://127.0.0.1:1004", "ws://127.0.0.1:1004")
    )
    assert spec.argv == [str(tmp_path / "node"), str(agent / "mediator.js")]
    assert {k: spec.env[k] for k in ("MEDIATOR_HTTP_PORT", "MEDIATOR_WS_PORT", "MEDIATOR_ADMIN_PORT")} == {
        "MEDIATOR_HTTP_PORT": "1001",
        "MEDIATOR_WS_PORT": "1002",
        "MEDIATOR_ADMIN_PORT": "1003",
    }
    assert spec.env["MEDIATOR_DATA_DIR"] == str(tmp_path / "credo-mediator")
    # It advertises the endpoints it is given (a reverse proxy's), not its own ports.
    assert (spec.env["MEDIATOR_HTTP_ENDPOINT"], spec.env["MEDIATOR_WS_ENDPOINT"]) == (
        "http://127.0.0.1:1004",
        "ws://127.0.0.1:1004",
    )
    assert (Path(spec.env[node_agent.ASKAR_LIBRARY_ENV]) / node_agent.ASKAR_LIBRARY_FILE).is_file()


def test_an_agent_folder_without_npm_ci_is_refused_with_the_command_to_run(tmp_path, monkeypatch):
    (tmp_path / "mediator.js").write_text("")
    monkeypatch.setenv(node_agent.AGENT_DIR_ENV, str(tmp_path))
    flavour = credo()
    assert not flavour.installable()
    with pytest.raises(ProvisionError, match="run `npm ci` there"):
        flavour.provision()


def test_a_missing_askar_library_names_the_wheel_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv(node_agent.ASKAR_LIBRARY_ENV, str(tmp_path))
    with pytest.raises(node_agent.NodeAgentError, match="pip install aries-askar==0.3.2"):
        node_agent.askar_library_dir()


def test_without_node_the_flavour_is_not_installable_and_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.delenv("NODE_BINARY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no node, no npm
    flavour = credo()
    assert not flavour.installable()
    with pytest.raises(
        ProvisionError,
        match=r"node is not on PATH: install Node.js 20 or newer, with npm, "
        r"then run `mediator-tui agents provision`",
    ):
        flavour.provision()
