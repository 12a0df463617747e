"""What every test shares: the fixtures of tests/fixtures/, and the cost marker each test gets from its folder."""

from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis's deadline per example (200 ms) is a figure of the host's speed: a loaded host fails it with
# nothing wrong ("Unreliable test timings"). pytest-timeout still ends a test that hangs.
settings.register_profile("any-host", deadline=None)
settings.load_profile("any-host")

pytest_plugins = [
    "tests.fixtures.mediators",
    "tests.fixtures.issuer",
    "tests.fixtures.locust_cluster",
    "tests.fixtures.local_run",
    "tests.fixtures.native_agents",
    "tests.fixtures.installed_tool",
    "tests.fixtures.hostile_server",
    "tests.fixtures.interpreters",
]

TESTS = Path(__file__).parent
COST_FOLDERS = ("integration", "mediator", "e2e")  # each the name of its marker (pyproject.toml); tests/unit has none


def cost_of(path: Path) -> str | None:
    """The marker of the folder under tests/ that holds `path`, None for tests/unit and anything else."""
    if not path.is_relative_to(TESTS):
        return None
    folder = path.relative_to(TESTS).parts[0]
    return folder if folder in COST_FOLDERS else None


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if cost := cost_of(item.path):
            item.add_marker(cost)
