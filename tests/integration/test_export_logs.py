"""A headless run's export keeps its processes' logs (master, worker): the end of each, bounded, secrets scrubbed.

The scenario writes a secret setting's value into its process's log after more than the export keeps of it, so
the export must both cut the log and scrub what it kept."""

from __future__ import annotations

import json

from mediator_tui.core.export.logs import LOG_TAIL_BYTES
from tests.fixtures.local_run import write_env
from tests.support.headless_runs import fake_invitation
from tests.support.secrets import run_headless

API_KEY = "issuer-api-key-logs-4e5f6a7b"
FILLER_LINES = 100_000  # about 6 MiB: more than the export keeps of one log

SCENARIO = f"""
import sys, time
from locust import User, constant, events, task

for i in range({FILLER_LINES}):
    print(f"filler line {{i:06d}} of a chatty scenario's log", file=sys.stderr)
print("the scenario's issuer headers:", __import__("os").environ["ISSUER_HEADERS"], file=sys.stderr, flush=True)


class QuietUser(User):
    wait_time = constant(0.2)

    @task
    def ping_mediator(self):
        events.request.fire(request_type="DIDComm", name="ping_mediator", response_time=1.0, response_length=0,
                            exception=None, context={{}})
"""


def test_the_export_keeps_each_processs_log_end_scrubbed(tmp_path):
    scenario = tmp_path / "chatty.py"
    scenario.write_text(SCENARIO)
    settings = {"MEDIATION_URL": fake_invitation(), "ISSUER_HEADERS": json.dumps({"x-api-key": API_KEY})}
    done = run_headless(tmp_path, write_env(tmp_path / "run.env", settings), scenario, users=1, timeout=180)
    assert done.returncode == 0, done.stderr
    # The run's folder and its logs are gone with the run: the export is what is left of them.
    exported = {p.name: p for p in (tmp_path / "out" / "logs").iterdir()}
    assert {"master.log", "worker-0.log"} <= set(exported), exported
    for log in exported.values():
        assert log.stat().st_size <= LOG_TAIL_BYTES + 200, log
    for name in ("master.log", "worker-0.log"):  # both import the scenario, so both logged its filler
        text = exported[name].read_text()
        assert text.startswith("[mediator-tui: the first ") and "the last 4.0 MiB of each log" in text
        # Its last filler lines are kept, whole, and the line that logged the secret, scrubbed.
        assert f"filler line {FILLER_LINES - 1:06d} of" in text and "\nfiller line " in text
        assert "the scenario's issuer headers: ****" in text
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert API_KEY not in path.read_text(errors="replace"), path
