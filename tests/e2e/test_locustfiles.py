"""Every scenario briefly, on a master and two workers started by the tool's own run core
(`LocalRun`), against a real ACA-Py mediator.

The issue and message scenarios use a second real ACA-Py as a ledger-free issuer
(W3C credentials). The message scenarios' delivery ledger, as the master serves it and the run's
metric store shows it, is checked against their rows. Each run asserts the request rows a user reads, no failures, and
the agent metrics the master aggregates on `/mediator-tui/agents`, as the master serves them.
"""

from __future__ import annotations

import pytest

from tests.fixtures.ledger import assert_ledger_adds_up, assert_store_agrees, final_reads, ledger_counts
from tests.fixtures.local_run import LOCUSTFILES


@pytest.fixture
def scenario_env(acapy_mediator):
    return {
        "MEDIATION_URL": acapy_mediator.invitation_url,
        "AGENT_ENGINE": "native",
        "LOCUST_MIN_WAIT": "0.2",
        "LOCUST_MAX_WAIT": "0.5",
        "VERIFIED_TIMEOUT_SECONDS": "20",
        "LOCUST_WORKERS": "2",
        "START_PORT": "26100",
        "END_PORT": "26200",
        "AGENT_IP": "127.0.0.1",
    }


def swarming(local_run, locustfile: str, env: dict, users: int):
    run = local_run(env, LOCUSTFILES / locustfile, workers=2, users=users, spawn_rate=users)
    run.local.start()
    return run


def run(local_run, locustfile: str, env: dict, users: int, settle) -> tuple[dict, dict, list]:
    """Swarm `users` and let them work until `settle(rows)` (it names every count the case asserts, so a
    loaded host only makes the case wait longer); (rows, agent metrics, errors) while running."""
    started = swarming(local_run, locustfile, env, users)
    rows = started.master.rows_when(settle, 40, f"{locustfile}: enough requests")
    metrics = started.master.agents()
    errors = started.master.errors()
    started.local.stop()
    return rows, metrics, errors


def count(rows: dict, key: str) -> int:
    return rows.get(key, {}).get("num_requests", 0)


def assert_no_failures(rows: dict, errors: list) -> None:
    failed = {key: row["num_failures"] for key, row in rows.items() if row["num_failures"]}
    assert not failed, f"failures {failed}: {[e['error'] for e in errors]}"


def assert_workers_report(metrics: dict, running: int, engine: str = "native") -> None:
    assert len(metrics["workers"]) == 2
    assert all(not w["stale"] and w["engine"] == engine for w in metrics["workers"].values())
    total = metrics["total"]
    assert total["agents"]["running"] == running
    assert total["agents"]["crashed"] == 0
    assert total["memory"]["worker_rss_bytes"] > 0
    assert all(w["limits"]["nofile"] > 0 for w in metrics["workers"].values())
    # What the store projects the room for more agents from: descriptors in use below the limit, the port range.
    assert all(
        0 < w["limits"]["open_files"] < w["limits"]["nofile"]
        and w["limits"]["local_ports"] > 1000
        and w["limits"]["files_per_agent"] >= 1
        and w["host"]
        for w in metrics["workers"].values()
    )


def test_mediator_ping(local_run, scenario_env):
    rows, metrics, errors = run(
        local_run,
        "locustMediatorPing.py",
        scenario_env,
        users=4,
        settle=lambda r: count(r, "didcomm ping_mediator") >= 20 and count(r, "didcomm agent_start") == 4,
    )
    assert_no_failures(rows, errors)
    assert count(rows, "didcomm agent_start") == 4
    assert_workers_report(metrics, running=4)
    assert metrics["total"]["agents"]["started"] == 4
    assert metrics["total"]["ports"]["in_use"] == 0
    assert metrics["total"]["memory"]["agent_processes"] == 0


def test_mediator_ping_on_credo(local_run, scenario_env):
    env = {**scenario_env, "AGENT_ENGINE": "credo"}
    rows, metrics, errors = run(
        local_run,
        "locustMediatorPing.py",
        env,
        users=2,
        settle=lambda r: count(r, "didcomm ping_mediator") >= 6 and count(r, "didcomm agent_start") == 2,
    )
    assert_no_failures(rows, errors)
    assert count(rows, "didcomm agent_start") == 2
    assert_workers_report(metrics, running=2, engine="credo")
    memory = metrics["total"]["memory"]
    assert memory["agent_processes"] == 2
    assert memory["unique_bytes"] > 10 * 2**20 and memory["shared_bytes"] > 10 * 2**20
    assert memory["agents"] == 2  # what the metric store divides unique_bytes by


@pytest.mark.parametrize(("engine", "users"), [("native", 2), ("credo", 1)])
def test_mediator_deliver_and_its_delivery_ledger(local_run, scenario_env, engine, users):
    started = swarming(local_run, "locustMediatorDeliver.py", {**scenario_env, "AGENT_ENGINE": engine}, users)
    started.master.rows_when(lambda r: count(r, "didcomm deliver_message") >= 8, 40, "deliveries")
    # Two wallets per user: the agents the run means to run, which the Agents pane shows as its target.
    assert started.master.agents()["total"]["agents"]["slots"] == 2 * users
    assert started.snapshot().agents.target == 2 * users
    started.local.stop()
    # the users are stopped: the next reports of the workers hold what they did, and stay so
    rows, metrics = started.master.wait_for(lambda: final_reads(started.master), 10, "the workers' final reports")
    assert_no_failures(rows, started.master.errors())
    assert count(rows, "didcomm agent_start") == 2 * users
    assert count(rows, "didcomm receive_invitation") == users
    assert_workers_report(metrics, running=0, engine=engine)
    counts = ledger_counts(metrics)
    # each delivered message is one row that saw it arrive, but for at most one per user whose task the stop
    # ended between the arrival and its row; in flight at most one per user, the one its wait was stopped in
    delivered_rows = count(rows, "didcomm deliver_message")
    assert delivered_rows <= counts["delivered"] <= delivered_rows + users, (counts, delivered_rows)
    assert counts["duplicated"] == 0
    assert_ledger_adds_up(counts, in_flight_at_most=users)
    assert counts["lost"] == 0 and counts["out_of_order"] == 0
    assert_store_agrees(started.snapshot().delivery, counts)


def test_liveness(local_run, scenario_env, issuer):
    rows, metrics, errors = run(
        local_run,
        "locustLiveness.py",
        {**scenario_env, **issuer.env()},
        users=2,
        settle=lambda r: count(r, "admin liveness") >= 10,
    )
    assert_no_failures(rows, errors)
    assert set(rows) == {"admin liveness"}
    assert_workers_report(metrics, running=0)


def test_liveness_of_a_dead_issuer_fails(local_run, scenario_env):
    env = {**scenario_env, "ISSUER_URL": "http://127.0.0.1:9", "ISSUER_HEADERS": "{}"}
    rows, _metrics, errors = run(
        local_run,
        "locustLiveness.py",
        env,
        users=1,
        settle=lambda r: r.get("admin liveness", {}).get("num_failures", 0) >= 3,
    )
    assert rows["admin liveness"]["num_failures"] == rows["admin liveness"]["num_requests"]
    assert any("GET /status" in e["error"] for e in errors)


def test_connections_per_agent(local_run, scenario_env, issuer):
    env = {**scenario_env, **issuer.env(), "CONNECTIONS_PER_AGENT": "3", "WITH_MEDIATION": "true"}
    rows, metrics, errors = run(
        local_run, "locustConnection.py", env, users=3, settle=lambda r: count(r, "didcomm receive_invitation") >= 9
    )
    assert_no_failures(rows, errors)
    assert count(rows, "didcomm receive_invitation") == 9
    assert count(rows, "admin POST /out-of-band/create-invitation") == 9
    assert_workers_report(metrics, running=3)


@pytest.mark.parametrize("locustfile", ["locustMediatorMsg.py", "locustIssueMsg.py"])
def test_issuer_messages(local_run, scenario_env, issuer, locustfile):
    rows, metrics, errors = run(
        local_run,
        locustfile,
        {**scenario_env, **issuer.env()},
        users=3,
        settle=lambda r: count(r, "didcomm receive_message") >= 10 and count(r, "didcomm receive_invitation") == 3,
    )
    assert_no_failures(rows, errors)
    assert count(rows, "didcomm receive_invitation") == 3
    assert count(rows, "admin POST /connections/{id}/send-message") >= count(rows, "didcomm receive_message")
    assert_workers_report(metrics, running=3)
    # read after the rows, which it can only have passed; sent by the issuer's admin API, each one followed
    counts = ledger_counts(metrics)
    assert counts["sent"] == counts["delivered"] + counts["lost"] + counts["in_flight"], counts
    assert counts["delivered"] >= count(rows, "didcomm receive_message") and counts["lost"] == 0, counts
    assert counts["duplicated"] == 0, counts
    listening = locustfile == "locustIssueMsg.py"
    assert metrics["total"]["ports"]["in_use"] == (3 if listening else 0)


@pytest.mark.parametrize("locustfile", ["locustMediatorIssue.py", "locustIssue.py"])
def test_issuer_credentials(local_run, scenario_env, issuer, locustfile):
    rows, metrics, errors = run(
        local_run,
        locustfile,
        {**scenario_env, **issuer.env()},
        users=3,
        settle=lambda r: (
            count(r, "didcomm receive_credential") >= 6
            and count(r, "didcomm receive_invitation") == 3
            and count(r, "admin POST /wallet/did/create") == 2
        ),
    )
    assert_no_failures(rows, errors)
    assert count(rows, "didcomm receive_invitation") == 3
    # One did:key per worker for the whole run.
    assert count(rows, "admin POST /wallet/did/create") == 2
    assert count(rows, "admin POST /issue-credential-2.0/send") >= count(rows, "didcomm receive_credential")
    assert_workers_report(metrics, running=3)


def test_pool_smaller_than_users_refuses_extra_wallets_and_the_rest_keep_working(local_run, scenario_env, issuer):
    env = {**scenario_env, **issuer.env(), "START_PORT": "26100", "END_PORT": "26102"}
    started = swarming(local_run, "locustIssueMsg.py", env, users=4)
    rows = started.master.rows_when(
        lambda r: (
            count(r, "didcomm receive_message") >= 10 and r.get("didcomm agent_start", {}).get("num_failures", 0) >= 2
        ),
        30,
        "messages to two wallets and refusals of the other two",
    )
    metrics = started.master.agents()
    assert rows["didcomm receive_message"]["num_failures"] == 0
    assert metrics["total"]["ports"] == {
        "size": 2,
        "in_use": 2,
        "in_use_max": 2,
        "refused": metrics["total"]["ports"]["refused"],
    }
    assert metrics["total"]["ports"]["refused"] >= 2
    assert metrics["total"]["agents"]["running"] == 2
    assert len(started.master.ready_workers()) == 2
    refusals = [e for e in started.master.errors() if e["name"] == "agent_start"]
    assert refusals and all("exhausted: all 1 ports in use" in e["error"] for e in refusals)
