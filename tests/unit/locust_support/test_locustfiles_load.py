"""Every locustfile loads under plain Locust and offers its own user class (or shape), and nothing else."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO

EXPECTED = {
    "locustConnection.py": "Connection",
    "locustIssue.py": "Issue",
    "locustIssueMsg.py": "IssueMsg",
    "locustIssueRevoke.py": "IssueRevoke",
    "locustLiveness.py": "Liveness",
    "locustMediatorDeliver.py": "MediatorDeliver",
    "locustMediatorIssue.py": "MediatorIssue",
    "locustMediatorIssueRevoke.py": "MediatorIssueRevoke",
    "locustMediatorMsg.py": "MediatorMsg",
    "locustMediatorPing.py": "MediatorPing",
    "locustMediatorOffline.py": "MediatorOffline",
}
SHAPES = {"locustCapacity.py"}  # a load shape added to a scenario: no user class of its own


def test_locustfiles_offer_their_users_and_no_base_class(tmp_path):
    files = sorted((REPO / "locustfiles").glob("*.py"))
    assert {f.name for f in files} == set(EXPECTED) | SHAPES
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    locust = str(Path(sys.executable).with_name("locust"))
    result = subprocess.run(
        [locust, "-f", ",".join(str(f) for f in files), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split("Available Users:")[1].split()) == sorted(EXPECTED.values())
