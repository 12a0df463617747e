"""The embedded mediator in a production shape, restarted mid-run: wallets come back without onboarding again,
and the delivery ledger says what the restart lost.

Each shape is the `.env` settings that make it (SHAPES): the run starts its own embedded mediator from them,
through the tool's run core (`LocalRun`: a real Locust master and worker), with the ping and deliver scenarios
side by side. The mediator is crashed (SIGKILL of its process group, as its supervisor would find it) and
restarted as the supervisor would, on the same ports and database. What each shape keeps and loses is recorded in
docs/reliability.md "What each mediator keeps and loses in a fault".
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from mediator_tui.core.processes import group_members
from tests.fixtures.ledger import final_reads, ledger_counts

from .conftest import LOCUSTFILES

# ACA-Py 1.7.0 with its wallet in the private PostgreSQL cluster.
SHAPES = {
    # The reference deployment: ACA-Py on PostgreSQL behind a proxy that splits websocket upgrades from HTTP.
    "acapy-postgres-nginx": {"MEDIATOR_FLAVOUR": "acapy", "MEDIATOR_STORAGE": "postgres", "MEDIATOR_PROXY": "nginx"},
}
# Locust shares the users between the two scenarios: PINGERS wallets that ping, DELIVERERS pairs of wallets
# that send each other messages, each pair awaiting one message at a time.
PINGERS, DELIVERERS = 2, 2
WALLETS = PINGERS + 2 * DELIVERERS
TIMEOUT_S = 6.0  # VERIFIED_TIMEOUT_SECONDS: the ledger judges each message within the case
RECOVERY_S = 30.0


def rows_now(run) -> dict:
    return run.master.rows()


def started(rows: dict) -> tuple[int, int]:
    row = rows.get("didcomm agent_start", {})
    return row.get("num_requests", 0), row.get("num_failures", 0)


@pytest.mark.parametrize("shape", SHAPES)
def test_wallets_ride_out_a_restart_of_the_embedded_mediator(local_run, shape):
    run = local_run(
        {**SHAPES[shape], "VERIFIED_TIMEOUT_SECONDS": str(TIMEOUT_S)},
        (LOCUSTFILES / "locustMediatorPing.py", LOCUSTFILES / "locustMediatorDeliver.py"),
        workers=1,
        users=PINGERS + DELIVERERS,
        spawn_rate=PINGERS + DELIVERERS,
    )
    mediator = run.local.mediator
    assert mediator is not None and mediator.storage == SHAPES[shape].get("MEDIATOR_STORAGE", "sqlite")
    run.local.start()
    run.master.wait_for(
        lambda: (
            started(rows_now(run)) == (WALLETS, 0)
            and ledger_counts(run.master.agents())["delivered"] >= 3 * DELIVERERS
            and rows_now(run).get("didcomm ping_mediator", {}).get("num_requests", 0) >= 3 * PINGERS
        ),
        90,
        "every wallet onboarded, pinging and delivering",
    )
    held = mediator.counts()

    os.killpg(mediator.pgid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while group_members(mediator.pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    at_crash = ledger_counts(run.master.agents())
    mediator.restart()

    # the wallets come back on their own: messages flow again and pings answer
    run.master.wait_for(
        lambda: ledger_counts(run.master.agents())["delivered"] >= at_crash["delivered"] + 3 * DELIVERERS,
        RECOVERY_S,
        "messages delivered again after the restart",
    )
    pings_back = rows_now(run)["didcomm ping_mediator"]["num_requests"]
    run.master.wait_for(
        lambda: rows_now(run)["didcomm ping_mediator"]["num_requests"] >= pings_back + 2 * PINGERS,
        RECOVERY_S,
        "pings flowing again after the restart",
    )
    run.local.stop()
    rows, metrics = run.master.wait_for(lambda: final_reads(run.master), 15, "the worker's final report")
    counts = ledger_counts(metrics)
    print(f"\nrestart {shape}: {counts}, at the crash {at_crash}")

    # no wallet onboarded again: the mediator's database kept every connection, mediation and route
    assert started(rows) == (WALLETS, 0), rows.get("didcomm agent_start")
    assert mediator.counts() == held
    assert metrics["total"]["agents"]["crashed"] == 0, metrics["total"]["agents"]
    # each message sent is delivered, lost or still in flight, once
    assert counts["sent"] == counts["delivered"] + counts["lost"] + counts["in_flight"], counts
    assert counts["in_flight"] <= DELIVERERS and counts["duplicated"] == 0, counts
    # What the restart lost: at most the messages awaited when it came (each pair awaits one), which were
    # in the mediator's memory or on the sockets it dropped; the wallets' routes were in the database.
    never_arrived = counts["lost"] - counts["late"]
    assert never_arrived <= DELIVERERS, f"{shape} lost more than the messages in flight at the crash: {counts}"
