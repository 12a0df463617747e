"""The core and the engines never load Textual or Locust (Locust patches the interpreter for gevent)."""

import json
import subprocess
import sys

import pytest

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "locust"))}))
"""


@pytest.mark.parametrize("package", ["mediator_tui.core", "mediator_tui.agents", "mediator_tui.contracts"])
def test_package_loads_neither_textual_nor_locust(package):
    result = subprocess.run([sys.executable, "-c", PROBE, package], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["modules"], "the probe imported nothing"
    assert report["loaded"] == []
