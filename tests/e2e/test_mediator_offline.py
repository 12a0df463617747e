"""The offline scenario (locustfiles/locustMediatorOffline.py) on a master and a worker started by the tool's
run core, against real mediators: the Credo mediator with pickup v2 (both engines) and ACA-Py 1.7.0 with
implicit pickup (its undelivered queue, kept in memory). The delivery ledger, as the master serves it and the
run's store shows it, must have each message sent to the offline wallet arrive once, none lost."""

from __future__ import annotations

import threading
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.ledger import assert_ledger_adds_up, assert_store_agrees, final_reads, ledger_counts
from tests.fixtures.local_run import LOCUSTFILES

pytestmark = pytest.mark.e2e

MESSAGES = 3
DRAINS = 2


def offline_run(local_run, invitation: str, engine: str, strategy: str):
    env = {"MEDIATION_URL": invitation, "AGENT_ENGINE": engine, "PICKUP_STRATEGY": strategy,
           "OFFLINE_SECONDS": "1.5", "OFFLINE_MESSAGES": str(MESSAGES), "VERIFIED_TIMEOUT_SECONDS": "15"}
    run = local_run(env, LOCUSTFILES / "locustMediatorOffline.py", workers=1, users=1, spawn_rate=1)
    run.local.start()
    run.master.rows_when(lambda rows: drains(rows) >= DRAINS or failed(rows), 60, f"{DRAINS} drains")
    run.local.stop()
    rows, metrics = run.master.wait_for(lambda: final_reads(run.master), 10, "the worker's final report")
    assert not failed(rows), run.master.summary()
    assert rows["didcomm go_offline"]["num_requests"] >= DRAINS
    assert rows["didcomm send_message"]["num_requests"] >= MESSAGES * DRAINS
    counts = ledger_counts(metrics)
    # each drain took every message of its spell offline; of a spell the stop cut short, some may have come
    assert 0 <= counts["delivered"] - MESSAGES * drains(rows) < MESSAGES, counts
    assert_ledger_adds_up(counts, in_flight_at_most=MESSAGES)
    assert counts["lost"] == 0, counts
    assert_store_agrees(run.snapshot().delivery, counts)
    return rows


class QueueWatch:
    """The deepest the Credo mediator's pickup queue got (its /metrics, read every 0.2 s while the run goes):
    above zero, the mediator kept messages for the wallet while it was away."""

    def __init__(self, mediator):
        self.url, self.deepest, self._stop = mediator.metrics_url, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            with urllib.request.urlopen(self.url, timeout=5) as answer:
                text = answer.read().decode()
            depth = next(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
                         if sample.name == "mediator_queued_messages")
            self.deepest = max(self.deepest, depth)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(10)
        return self.deepest


def drains(rows: dict) -> int:
    return rows.get("didcomm drain_offline_messages", {}).get("num_requests", 0)


def failed(rows: dict) -> dict:
    return {key: row["num_failures"] for key, row in rows.items() if row["num_failures"]}


@pytest.mark.parametrize("engine", ["native", "credo"])
def test_credo_mediator_keeps_what_comes_for_an_offline_wallet_and_hands_it_over_by_pickup_v2(
        local_run, credo_mediator, engine):
    watch = QueueWatch(credo_mediator)
    try:
        offline_run(local_run, credo_mediator.invitation_url, engine, "pickup-v2")
    finally:
        deepest = watch.stop()
    assert deepest >= 1, "the mediator never queued a message: the wallet did not go offline"


def test_acapy_keeps_what_comes_for_an_offline_wallet_and_sends_it_down_the_reopened_socket(
        local_run, acapy_mediator):
    offline_run(local_run, acapy_mediator.invitation_url, "native", "implicit")
