"""Building a run from the configuration, as the TUI and headless mode do."""

import pytest

from mediator_tui.core.config import ConfigError
from mediator_tui.core.run.build import controller_for


def test_tui_entry_without_an_env_file_runs_on_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    controller = controller_for(tmp_path / ".env")
    try:
        assert controller.mode == "local"
        assert controller.load.users == 10
    finally:
        controller.shutdown()


def test_tui_entry_with_a_broken_env_file_names_the_problem(tmp_path):
    env = tmp_path / ".env"
    env.write_text("LOCUST_USERS=many\n")
    with pytest.raises(ConfigError, match="LOCUST_USERS"):
        controller_for(env)
