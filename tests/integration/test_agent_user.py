"""The base user as a user of Locust sees it, on a scripted agent (no mediator needed)."""

import math
import time

from tests.integration.scenarios import FAST, SCRIPTED

SCENARIO = SCRIPTED / "scripted_scenario.py"


def test_dead_agent_is_counted_and_restarted_before_the_next_task(locust_cluster):
    locust = locust_cluster(SCENARIO, {**FAST, "SCRIPT_CRASH_ON_PING": "3"}, workers=0)
    locust.swarm(users=3, spawn_rate=10)
    metrics = locust.wait_for(
        lambda: (m := locust.agents()) and m["total"]["agents"]["restarted"] >= 3 and m, 20, "three restarts"
    )
    rows = locust.rows_when(
        lambda r: r.get("didcomm ping_mediator", {}).get("num_failures", 0) >= 3, 5, "ping failures in the stats"
    )
    pings, starts = rows["didcomm ping_mediator"], rows["didcomm agent_start"]
    assert pings["num_failures"] >= 3 and pings["num_requests"] > pings["num_failures"]
    assert starts["num_failures"] == 0 and starts["num_requests"] >= 6
    failures = locust.errors()
    assert any("agent process exited with code 3" in f["error"] and f["name"] == "ping_mediator" for f in failures)
    agents = metrics["total"]["agents"]
    assert agents["crashed"] >= 3 and agents["started"] >= 6
    # Every agent that stopped while the load ran had crashed; the rest are up.
    assert agents["started"] == agents["running"] + agents["crashed"] and agents["running"] <= 3
    crash = metrics["total"]["crashes"][-1]
    assert crash["reason"] == "agent process exited with code 3"
    assert crash["stderr_tail"] == "TypeError: scripted failure"
    assert crash["user"].startswith("ScriptedPing-")
    assert metrics["total"]["ports"]["in_use"] == 0  # mediated agents take no port
    assert locust.histograms()["total"]["num_requests"] > 0

    locust.stop_load()
    locust.wait_for(lambda: locust.agents()["total"]["agents"]["running"] == 0, 10, "agents shut down on stop")
    locust.client.reset_stats()
    after = locust.agents()["total"]
    assert after["agents"]["crashed"] == 0 and after["agents"]["started"] == 0 and after["crashes"] == []


def test_agent_that_cannot_start_fails_its_tasks_with_the_engine_error(locust_cluster):
    locust = locust_cluster(SCENARIO, {**FAST, "SCRIPT_START_FAILS": "1"}, workers=0)
    locust.swarm(users=2, spawn_rate=10)
    locust.wait_for(lambda: locust.agents()["total"]["agents"]["start_failures"] >= 4, 20, "start failures")
    rows = locust.rows_when(
        lambda r: r.get("didcomm agent_start", {}).get("num_failures", 0) >= 4, 5, "start failures in the stats"
    )
    assert "didcomm ping_mediator" not in rows
    assert rows["didcomm agent_start"]["num_failures"] == rows["didcomm agent_start"]["num_requests"]
    errors = locust.errors()
    assert any("cannot reach the mediator: connection refused" in e["error"] for e in errors)


def test_an_agent_dying_between_tasks_is_counted_at_once_not_at_the_next_task(locust_cluster):
    # Tasks 8-9 s apart; every agent dies 1 s after its start.
    env = {**FAST, "LOCUST_MIN_WAIT": "8", "LOCUST_MAX_WAIT": "9", "SCRIPT_DIE_AFTER_S": "1"}
    locust = locust_cluster(SCENARIO, env, workers=0)
    locust.swarm(users=2, spawn_rate=10)
    metrics = locust.wait_for(
        lambda: (m := locust.agents()) and m["total"]["agents"]["crashed"] >= 2 and m,
        6,
        "both deaths counted before the users' next tasks",
    )
    for crash in metrics["total"]["crashes"]:
        died_at = float(crash["stderr_tail"].removeprefix("died at "))
        # The user's next task starts 8 s or more after the task that started the agent, which died 1 s
        # after its start: a death counted at that task would be counted 7 s or more after it.
        assert crash["ts"] - died_at < 7.0, f"death counted {crash['ts'] - died_at:.2f} s late"
        assert crash["reason"] == "agent process killed by SIGKILL"
        assert crash["user"].startswith("ScriptedPing-")
    agents = metrics["total"]["agents"]
    assert agents["running"] == 0 and agents["restarted"] == 0  # the new wallet comes with the next task


def test_a_wallet_that_cannot_start_is_retried_after_a_doubling_pause_and_says_so(locust_cluster):
    locust = locust_cluster(SCENARIO, {**FAST, "SCRIPT_START_FAILS": "1"}, workers=0)
    swarmed = time.monotonic()
    locust.swarm(users=2, spawn_rate=10)
    time.sleep(4.5)
    # Read within the window the test measures itself, however late the host ran anything in it.
    attempts = locust.agents()["total"]["agents"]["start_failures"]
    window_s = time.monotonic() - swarmed
    # Tries at 0, 1, 3, 7 ... s (pauses doubling from 1 s) per user: at most 1 + log2(1 + window) each in
    # the window; without pauses, one per task (~10 a second per user).
    assert 2 <= attempts <= 2 * (1 + math.log2(1 + window_s)), (attempts, window_s)
    rows = locust.rows_when(
        lambda r: r.get("didcomm agent_start", {}).get("num_requests", 0) > 3 * attempts,
        5,
        "the tasks in between to fail too",
    )
    assert rows["didcomm agent_start"]["num_failures"] == rows["didcomm agent_start"]["num_requests"]
    backing_off = [e["error"] for e in locust.errors() if "backing off" in e["error"]]
    assert backing_off and all(error.startswith("AgentError('start backing off (") for error in backing_off)
    assert any(
        "(1 s pause after 1 failed start; last error: cannot reach the mediator: connection refused)" in error
        for error in backing_off
    )
    # One text per pause length, not one per task: the failures table stays readable.
    assert len(backing_off) <= 4


def test_pool_smaller_than_users_refuses_the_extra_ones_and_keeps_workers_alive(local_run):
    env = {**FAST, "WITH_MEDIATION": "false", "START_PORT": "20000", "END_PORT": "20004", "LOCUST_WORKERS": "2"}
    run = local_run(env, SCENARIO, workers=2, users=6, spawn_rate=20)
    run.local.start()
    cluster = run.master
    cluster.wait_for(lambda: cluster.agents()["total"]["ports"]["refused"] >= 4, 20, "refusals on both workers")
    pings_before = cluster.rows_when(lambda r: "didcomm ping_mediator" in r, 5, "pings")["didcomm ping_mediator"]
    cluster.rows_when(
        lambda r: r["didcomm ping_mediator"]["num_requests"] > pings_before["num_requests"] + 20,
        10,
        "the users holding ports to keep pinging",
    )
    metrics = cluster.agents()
    assert metrics["total"]["ports"]["size"] == 4
    assert metrics["total"]["ports"]["in_use"] == 4
    assert metrics["total"]["agents"]["running"] == 4
    assert sorted(w["ports"]["size"] for w in metrics["workers"].values()) == [2, 2]
    assert all(not w["stale"] for w in metrics["workers"].values())
    assert len(cluster.ready_workers()) == 2
    errors = cluster.errors()
    refusals = [e for e in errors if e["name"] == "agent_start"]
    assert refusals and all("exhausted: all 2 ports in use" in e["error"] for e in refusals)
    assert {e["error"].split("port pool of worker ")[1][:1] for e in refusals} == {"0", "1"}
    assert cluster.rows()["didcomm ping_mediator"]["num_failures"] == 0


def test_users_beyond_the_onboarding_cap_wait_their_turn_untimed(locust_cluster):
    """Twelve users, each onboarding 0.3 s, at most two in flight: they onboard two by two, the others wait
    for admission (reported as the backlog), and no onboarding's time includes its wait."""
    env = {**FAST, "SCRIPT_START_S": "0.3", "ONBOARDING_START_IN_FLIGHT": "2", "ONBOARDING_MAX_IN_FLIGHT": "2"}
    locust = locust_cluster(SCENARIO, env, workers=0)
    locust.swarm(users=12, spawn_rate=100)
    waiting = locust.wait_for(
        lambda: (a := locust.agents()["total"]["agents"])["onboarding_waiting"] >= 4 and a, 10, "a backlog"
    )
    assert waiting["onboarding_in_flight"] <= 2 and waiting["onboarding_cap"] == 2
    locust.wait_for(lambda: locust.agents()["total"]["agents"]["running"] == 12, 20, "all twelve onboarded")
    starts = locust.rows()["didcomm agent_start"]
    assert starts["num_requests"] == 12 and starts["num_failures"] == 0
    # Six rounds of 0.3 s passed before the last onboarded; each onboarding is timed alone.
    assert starts["max_response_time"] < 6 * 300 * 0.75, starts
    agents = locust.agents()["total"]["agents"]
    assert (agents["onboarding_waiting"], agents["onboarding_in_flight"]) == (0, 0)
