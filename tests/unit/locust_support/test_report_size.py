"""The master sizes a worker's report as the message Locust sent it in: Locust's stats with the agents report."""

import datetime
import json
import os
import subprocess
import sys

from mediator_tui.locust_support.report_size import report_bytes
from tests.support.master_payloads import report_json
from tests.support.paths import REPO

# A worker's report as Locust sends it and the master receives it, in a Python of its own: importing Locust
# patches this interpreter for gevent. Prints the bytes sent and what the master's measure gives of what it got.
WIRE = """
import json, sys
from locust.rpc.protocol import Message
from locust.stats import RequestStats
from mediator_tui.locust_support.report_size import report_bytes

stats = RequestStats()
for endpoint in range(int(sys.argv[2])):
    for ms in (3, 12, 12, 250, 4100):
        stats.log_request("GET", f"endpoint {endpoint}", ms, 120)
    stats.log_error("GET", f"endpoint {endpoint}", "timed out")
data = {
    "stats": stats.serialize_stats(),
    "stats_total": stats.total.get_stripped_report(),
    "errors": stats.serialize_errors(),
    "user_count": 3,
    "user_classes_count": {"MediatorPing": 3},
    "mediator_tui": json.loads(sys.argv[1]),
}
sent = Message("stats", data, "load-a_0123456789abcdef0123456789abcdef").serialize()
received = Message.unserialize(sent)
print(json.dumps([len(sent), report_bytes(received.node_id, received.data)]))
"""


def _sent_and_measured(endpoints: int) -> tuple[int, int]:
    report = json.dumps(report_json("load-a_0123456789abcdef0123456789abcdef", running=40))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    answer = subprocess.run(
        [sys.executable, "-c", WIRE, report, str(endpoints)], env=env, capture_output=True, text=True, timeout=60
    )
    assert answer.returncode == 0, answer.stderr
    sent, measured = json.loads(answer.stdout)
    return sent, measured


def test_the_master_measures_the_bytes_the_worker_sent_locusts_stats_included():
    sent, measured = _sent_and_measured(endpoints=1)
    assert measured == sent
    sent_more, measured_more = _sent_and_measured(endpoints=20)
    assert measured_more == sent_more > sent  # more request entries: a bigger report, all of it counted


def test_a_value_msgpack_cannot_pack_is_counted_as_its_text_not_raised():
    at = datetime.datetime(2026, 12, 7, 18, 30)
    plain = report_bytes("w1", {"user_count": 1})
    assert report_bytes("w1", {"user_count": 1, "first_seen": at}) > plain
