"""What may import what: the contracts in pyproject.toml hold, and the lower layers load no UI, Locust or gevent.

Locust patches the interpreter for gevent on import, so a core that loaded either would change how every
face of the tool (TUI, headless run, export) behaves.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))}))
"""
UI_AND_LOCUST = ("textual", "locust")
UI_LOCUST_AND_GEVENT = ("textual", "locust", "gevent")


def test_the_import_contracts_hold():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert "Contracts:" in result.stdout, result.stdout + result.stderr  # it read the contracts and checked them
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "package, forbidden",
    [
        ("mediator_tui.common", UI_LOCUST_AND_GEVENT),
        ("mediator_tui.contracts", UI_LOCUST_AND_GEVENT),
        ("mediator_tui.core", UI_LOCUST_AND_GEVENT),
        ("mediator_tui.agents", UI_AND_LOCUST),
    ],
)
def test_every_module_of_a_lower_layer_loads_no_ui_locust_or_gevent(package, forbidden):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package, *forbidden], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["modules"], "the probe imported nothing"
    assert report["loaded"] == []
