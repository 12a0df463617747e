"""Where the tests find the checkout and their shared data files, from any folder of the suite."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SYNTHETIC = DATA / "locustfile_synthetic.py"  # a locustfile whose users send nothing (10 % failures)
FAKE_CREDO_AGENT = DATA / "fake_credo_agent.py"  # a stand-in for the Credo agent that makes each fault on demand
