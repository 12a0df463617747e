"""Each test's cost marker comes from its folder (tests/conftest.py): tests/integration, tests/mediator and
tests/e2e carry exactly their own, tests/unit none; and `-m` selects on them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import REPO

COSTS = ("integration", "mediator", "e2e")

# Collects the whole suite with `-m` picking the costly tests, and prints what was selected and what not,
# each test with the cost markers it carries. It runs no test, so it skips rewriting their asserts, which was
# most of its time (without cached bytecode every module is rewritten anew).
COLLECT = f"""
import json, sys
import pytest

COSTS = {COSTS!r}
seen = {{"selected": {{}}, "deselected": {{}}}}

def costs(item):
    return sorted({{mark.name for mark in item.iter_markers() if mark.name in COSTS}})

class Report:
    def pytest_deselected(self, items):
        seen["deselected"].update((item.nodeid, costs(item)) for item in items)

    def pytest_collection_finish(self, session):
        seen["selected"].update((item.nodeid, costs(item)) for item in session.items)

code = pytest.main(["--collect-only", "--assert=plain", "-q", "-p", "no:randomly", "-m", " or ".join(COSTS), "tests"],
                   plugins=[Report()])
print("MARKERS " + json.dumps(seen))
sys.exit(code)
"""


def collected() -> dict[str, dict[str, list[str]]]:
    done = subprocess.run([sys.executable, "-c", COLLECT], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("MARKERS ")]
    return json.loads(line.removeprefix("MARKERS "))


def folder_cost(nodeid: str) -> list[str]:
    folder = nodeid.split("/")[1]
    return [folder] if folder in COSTS else []


def test_every_test_carries_the_marker_of_its_folder_and_only_that_one():
    seen = collected()
    selected, deselected = seen["selected"], seen["deselected"]
    assert {folder for nodeid in selected for folder in folder_cost(nodeid)} == set(COSTS)  # none is empty
    assert any(nodeid.startswith("tests/unit/") for nodeid in deselected)
    wrong = {nodeid: marks for nodeid, marks in {**selected, **deselected}.items() if marks != folder_cost(nodeid)}
    assert wrong == {}, "tests whose cost markers are not their folder's"
    assert all(folder_cost(nodeid) for nodeid in selected), "selected by -m but in no costly folder"
    assert not any(folder_cost(nodeid) for nodeid in deselected), "in a costly folder but left out by -m"
