"""The issuer message scenario under real Locust on a scripted agent (no mediator): it takes only the message
it sent; a late one from an earlier task is skipped and the wait goes on until the timeout."""

from tests.integration.scenarios import FAST, SCRIPTED

SCENARIO = SCRIPTED / "scripted_issuer_messages.py"


def test_the_issuer_message_scenario_times_the_message_it_sent_not_a_late_one(locust_cluster):
    env = {**FAST, "ISSUER_URL": "http://127.0.0.1:9", "SCRIPT_DELIVERY_S": "0.3"}
    locust = locust_cluster(SCENARIO, env, workers=0)
    locust.swarm(users=2, spawn_rate=10)
    rows = locust.rows_when(
        lambda r: r.get("didcomm receive_message", {}).get("num_requests", 0) >= 6, 20, "messages received"
    )
    received = rows["didcomm receive_message"]
    assert received["num_failures"] == 0
    # A late message is there at once; taking it would time the task at about 0 ms.
    assert received["min_response_time"] >= 250


def test_the_issuer_message_scenario_fails_a_task_whose_message_never_comes_naming_the_skipped(locust_cluster):
    env = {**FAST, "ISSUER_URL": "http://127.0.0.1:9", "SCRIPT_LOSE_SENT": "1", "VERIFIED_TIMEOUT_SECONDS": "1"}
    locust = locust_cluster(SCENARIO, env, workers=0)
    locust.swarm(users=1, spawn_rate=10)
    rows = locust.rows_when(
        lambda r: r.get("didcomm receive_message", {}).get("num_failures", 0) >= 2, 20, "failed waits"
    )
    received = rows["didcomm receive_message"]
    assert received["num_failures"] == received["num_requests"]
    errors = [e["error"] for e in locust.errors() if e["name"] == "receive_message"]
    assert errors and all("within 1 s (1 other message skipped)" in error for error in errors), errors
