"""Faults measured by the delivery ledger: what each mediator flavour keeps, loses and sends twice when it is
restarted while it holds messages, frozen or throttled by a CPU limit while messages flow, or its wallets' links go half-open; and that
the ledger counts a message the mediator writes twice down a wallet's link as duplicated; both engines.

Each case is a short run of the tool's own run core (`LocalRun`: a real Locust master and worker) with a
message scenario, against a mediator of the flavour that this module starts for itself (so it may be
restarted and frozen, or one behind the fault proxy for the half-open links and the messages sent twice); the figures are the ledger's, as the master serves them and the run's store shows
them (the Delivery pane, delivery.csv). Every case asserts that the ledger adds up (each message sent is
delivered, lost or still in flight at the end, once) and what the flavour did with the messages the fault
caught: the finding recorded in docs/reliability.md "What each mediator keeps and loses in a fault", so a
mediator that changes its behaviour fails here and the table must change with it.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from mediator_tui.core.mediator import LocalMediator
from mediator_tui.core.mediator.cpu_limit import limit_process, read_throttling
from tests.fixtures.ledger import final_reads, ledger_counts
from tests.fixtures.tcp_proxy import proxied_mediator

from .conftest import LOCUSTFILES, freeze

FLAVOURS = ("acapy", "acapy-legacy", "credo")
ENGINES = ("native", "credo")
# How a wallet collects what its mediator kept after an absence: ACA-Py sends it down the reopened socket
# (implicit, return route); the Credo mediator hands it over on a messagepickup/2.0 request. Wallets that stay
# online hold a live link (implicit, every flavour): the mediator writes into it as messages come.
COLLECT = {"acapy": "implicit", "acapy-legacy": "implicit", "credo": "pickup-v2"}
LIVE = "implicit"
TABLE = 'the table in docs/reliability.md "What each mediator keeps and loses in a fault" must change with it'

# Restart: one pair of wallets; the receiver goes offline, its peer sends it QUEUED messages, the mediator is
# restarted (same ports and wallet) while it holds them, the receiver comes back and collects.
QUEUED = 3
OFFLINE_S = 6.0  # covers the restart (about 2 s, ACA-Py; 1 s, Credo) after the messages show in the stats
WORKER_REPORT_S = 1.0  # how often a worker reports to the master (mediator_tui/locust_support/metrics_plugin.py)
RESTART_TIMEOUT_S = 8.0  # VERIFIED_TIMEOUT_SECONDS: the ledger judges each message within the case

# Freeze: FLOWING users each send a message to their peer and wait for it, again and again; the mediator's
# process group is stopped (SIGSTOP) for FREEZE_S, then resumed (SIGCONT).
FLOWING = 3
FREEZE_S = 5.0
FREEZE_TIMEOUT_S = 6.5  # longer than the freeze: a message held across it and then delivered is kept


# Production shapes of a flavour (its wallet in PostgreSQL, MEDIATOR_STORAGE): restarted and frozen as the
# flavour is, and held to the flavour's findings.
SHAPES = {"acapy-postgres": ("acapy", "postgres")}


@pytest.fixture(scope="module", params=FLAVOURS + tuple(SHAPES))
def fault_mediator(request, tmp_path_factory):
    """A mediator of each flavour (and shape) for this module alone: its cases restart and freeze it."""
    flavour, storage = SHAPES.get(request.param, (request.param, "sqlite"))
    mediator = LocalMediator(flavour, run_dir=tmp_path_factory.mktemp(f"{request.param}-faults"), storage=storage)
    mediator.start()
    try:
        yield mediator
    finally:
        mediator.stop()


@pytest.fixture(scope="module", params=FLAVOURS)
def proxied(request, tmp_path_factory):
    """(a mediator of each flavour advertising the fault proxy as its websocket endpoint, the proxy); the proxy
    can send the mediator's messages twice."""
    yield from proxied_mediator(
        request.param, tmp_path_factory.mktemp(f"{request.param}-behind-proxy"), replayable=True
    )


def ledger_run(local_run, mediator, engine: str, pickup: str, locustfile: str, users: int, settings: dict[str, str]):
    run = local_run(
        {"MEDIATION_URL": mediator.invitation_url, "AGENT_ENGINE": engine, "PICKUP_STRATEGY": pickup, **settings},
        LOCUSTFILES / locustfile,
        workers=1,
        users=users,
        spawn_rate=users,
    )
    run.local.start()
    return run


def flowing_run(local_run, mediator, engine: str, timeout_s: float):
    """FLOWING users sending messages to their peers over live links, each message judged within `timeout_s`;
    returned once messages flow (three delivered per user)."""
    run = ledger_run(
        local_run,
        mediator,
        engine,
        LIVE,
        "locustMediatorDeliver.py",
        users=FLOWING,
        settings={"VERIFIED_TIMEOUT_SECONDS": str(timeout_s)},
    )
    run.master.wait_for(lambda: counts_now(run)["delivered"] >= 3 * FLOWING, 45, "messages flowing")
    return run


def counts_now(run) -> dict[str, int]:
    return ledger_counts(run.master.agents())


def final_counts(run) -> tuple[dict, dict[str, int]]:
    """(stats rows, ledger counts) once the stopped run's last report is in; the store shows the same counts."""
    run.local.stop()
    rows, metrics = run.master.wait_for(lambda: final_reads(run.master), 15, "the worker's final report")
    counts = ledger_counts(metrics)
    shown = run.snapshot().delivery
    assert shown.known and {key: getattr(shown, key) for key in counts} == counts, (shown, counts)
    return rows, counts


def send_failures(run) -> int:
    """The failed sends the master has been told of so far."""
    return sum(error["occurrences"] for error in run.master.errors() if error["name"] == "send_message")


def assert_adds_up(counts: dict[str, int], in_flight_at_most: int) -> None:
    """Each message sent is delivered, lost or in flight, and only one of them; arrivals beyond the first
    are counted as duplicates, beside (not in) the delivered."""
    assert counts["sent"] == counts["delivered"] + counts["lost"] + counts["in_flight"], counts
    assert 0 <= counts["in_flight"] <= in_flight_at_most, counts
    assert counts["late"] <= counts["lost"] and counts["duplicated"] <= counts["delivered"] + counts["late"], counts


def failures(rows: dict) -> dict[str, int]:
    return {key: row["num_failures"] for key, row in rows.items() if row["num_failures"]}


# What each flavour did with the QUEUED messages it held when restarted: "kept" (each delivered once after the
# return) or "lost" (none arrived). ACA-Py's undelivered queue and the Credo mediator's pickup queue
# (Credo's InMemoryMessagePickupRepository, agent/mediator.js) both live in memory.
RESTART_FINDING = {"acapy": "lost", "acapy-legacy": "lost", "credo": "lost"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_mediator_restarted_while_it_holds_messages(local_run, fault_mediator, engine):
    mediator = fault_mediator
    run = ledger_run(
        local_run,
        mediator,
        engine,
        COLLECT[mediator.flavour.name],
        "locustMediatorOffline.py",
        users=1,
        settings={
            "OFFLINE_SECONDS": str(OFFLINE_S),
            "OFFLINE_MESSAGES": str(QUEUED),
            "VERIFIED_TIMEOUT_SECONDS": str(RESTART_TIMEOUT_S),
        },
    )
    run.master.rows_when(
        lambda rows: rows.get("didcomm send_message", {}).get("num_requests", 0) >= QUEUED,
        45,
        f"{QUEUED} messages sent to the offline wallet",
    )
    # a crash, then the restart an operator's supervisor makes: a TERM would be slower (the Credo mediator
    # waits seconds for its open websockets) and keeps nothing more, the queues being in memory
    before_kill = send_failures(run)
    os.killpg(mediator.pgid, signal.SIGKILL)
    mediator.restart()
    # Locust's error rows carry no time: the failures of the mediator's down time are those the master
    # counts once the worker's next report (every WORKER_REPORT_S) is in.
    time.sleep(WORKER_REPORT_S + 1.0)
    while_down = send_failures(run)
    # the receiver comes back and collects; the ledger judges each message delivered or lost by its timeout
    run.master.wait_for(
        lambda: (c := counts_now(run))["delivered"] + c["lost"] >= QUEUED,
        OFFLINE_S + RESTART_TIMEOUT_S + 5,
        f"the {QUEUED} queued messages judged",
    )
    _rows, counts = final_counts(run)
    print(f"\nrestart {mediator.flavour.name} {engine}: {counts}")

    # A send of the next spell that reached the mediator while it was still down (a restart slower than the
    # spell offline, on a loaded host) fails, in each engine's words ("Connection refused", "Message is
    # undeliverable"), and the ledger withdraws it from sent; a send that failed before the crash or after
    # the restart is a defect.
    assert before_kill == 0 and send_failures(run) == while_down, run.master.summary()
    # the next spell offline may have begun: its messages are in flight, reported as such
    assert_adds_up(counts, in_flight_at_most=QUEUED)
    kept, lost = counts["delivered"], counts["lost"]
    found = {(QUEUED, 0): "kept", (0, QUEUED): "lost"}.get((kept, lost), f"{kept} kept, {lost} lost")
    assert found == RESTART_FINDING[mediator.flavour.name], (
        f"{mediator.flavour.name} restarted with {QUEUED} messages queued: {found}, not "
        f"{RESTART_FINDING[mediator.flavour.name]} ({counts}); {TABLE}"
    )
    assert counts["duplicated"] == 0 and counts["late"] == 0, counts


# What each flavour did with the messages flowing when it froze: every one arrived once after the resume
# ("kept"; within its timeout or late); some never arrived, each one the mediator said it held for a recipient
# whose websocket was not open ("held": in ACA-Py's undelivered queue, which hands a message over only after the
# recipient next sends something on its socket, acapy#2111); or some never arrived unexplained ("n lost").
FREEZE_FINDING = {"acapy": {"kept", "held"}, "acapy-legacy": {"kept", "held"}, "credo": {"kept"}}
# ACA-Py's warning for a message with no open session or endpoint to go to, before it puts it in its undelivered
# queue (`Conductor._queue_message`, then `handle_not_delivered`; the same in 0.12.8 and 1.7.0).
HELD_LINE = "Cannot queue message for delivery, no supported transport"


def held_so_far(mediator) -> int:
    return mediator.log_path.read_text(errors="replace").count(HELD_LINE)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_mediator_frozen_while_messages_flow(local_run, fault_mediator, engine):
    mediator = fault_mediator
    run = flowing_run(local_run, mediator, engine, FREEZE_TIMEOUT_S)
    at_freeze = counts_now(run)["delivered"]
    held_before = held_so_far(mediator)
    resumed = freeze(mediator, FREEZE_S)
    # every message sent up to the resume has had its full timeout
    time.sleep(max(0.0, resumed + FREEZE_TIMEOUT_S + 1.0 - time.monotonic()))
    rows, counts = final_counts(run)
    print(f"\nfreeze {mediator.flavour.name} {engine}: {counts}, failures {failures(rows)}")

    # each user awaits one message at a time: the ones awaited at the stop are in flight
    assert_adds_up(counts, in_flight_at_most=FLOWING)
    assert counts["delivered"] >= at_freeze + FLOWING, f"messages did not flow again after the resume: {counts}"
    # What the mediator kept is what arrived: a message held across the freeze and delivered after its timeout
    # (late: the host's speed decides how long the resume takes, and the timeout is the tool's) was kept too.
    never_arrived = counts["lost"] - counts["late"]
    held = held_so_far(mediator) - held_before
    if never_arrived == 0:
        found = "kept"
    else:
        found = "held" if held >= never_arrived else f"{never_arrived} lost"
    print(f"{never_arrived} never arrived; the mediator logged {held} held for a recipient with no open socket")
    if counts["duplicated"]:
        found += f", {counts['duplicated']} duplicated"
    assert found in FREEZE_FINDING[mediator.flavour.name], (
        f"{mediator.flavour.name} frozen {FREEZE_S:g} s: {found}, not one of "
        f"{sorted(FREEZE_FINDING[mediator.flavour.name])} ({counts}, {held} held in its log); {TABLE}"
    )


# Throttled: messages flow through ACA-Py 1.7.0 unlimited, then its CPU limit is cut to THROTTLE_CORES (a pod's
# limit far too small for the load, as in bc-wallet-mobile#990) for THROTTLED_S while they go on. The question an
# operator asks of the limit: are messages only slower, or lost?
THROTTLE_CORES = 0.05
THROTTLED_S = 15.0
THROTTLED_TIMEOUT_S = 6.5
# What ACA-Py 1.7.0 did with the messages sent while it was throttled: every one arrived once ("kept"), some
# after their timeout (late), or some never arrived ("n lost").
THROTTLED_FINDING = "kept"


def test_a_mediator_throttled_by_its_cpu_limit_while_messages_flow(local_run, own_mediator):
    mediator = own_mediator
    run = flowing_run(local_run, mediator, "native", THROTTLED_TIMEOUT_S)
    before = counts_now(run)["delivered"]
    mediator.cgroup = limit_process(mediator.pid, THROTTLE_CORES, f"acapy-throttled-{mediator.pid}")
    mediator.cpu_limit = THROTTLE_CORES  # stop() removes the cgroup
    time.sleep(THROTTLED_S)
    throttling = read_throttling(mediator.pid)
    during = counts_now(run)["delivered"] - before
    # every message sent up to now has had its full timeout
    time.sleep(THROTTLED_TIMEOUT_S + 1.0)
    rows, counts = final_counts(run)
    print(f"\nthrottled acapy: {counts}, {during} delivered while throttled, {throttling}, failures {failures(rows)}")

    assert throttling is not None and throttling.limit_cores == pytest.approx(THROTTLE_CORES), throttling
    # the limit cut most of its CFS periods short: the throttling the Mediator pane and mediator.csv show
    assert throttling.throttled_periods >= throttling.periods / 2, throttling
    assert_adds_up(counts, in_flight_at_most=FLOWING)
    assert during >= 1, f"no message arrived while the mediator was throttled: {counts}"
    never_arrived = counts["lost"] - counts["late"]
    found = "kept" if never_arrived == 0 else f"{never_arrived} lost"
    if counts["duplicated"]:
        found += f", {counts['duplicated']} duplicated"
    assert found == THROTTLED_FINDING, f"acapy throttled to {THROTTLE_CORES:g} core: {found} ({counts}); {TABLE}"


# Half-open: FLOWING users' wallets hold their links to the mediator through the fault proxy (their peers
# send over HTTP, not proxied); the proxy stops carrying bytes without closing for HALF_OPEN_S, then closes
# the links, and the wallets reconnect. Each user sends one message meanwhile and waits for it.
HALF_OPEN_S = 3.0
HALF_OPEN_TIMEOUT_S = 4.0
# What each flavour did with the messages sent to the wallets while their links were half-open.
HALF_OPEN_FINDING = {"acapy": "lost", "acapy-legacy": "lost", "credo": "lost"}


@pytest.mark.parametrize("engine", ENGINES)
def test_wallets_whose_links_go_half_open(local_run, proxied, engine):
    mediator, proxy = proxied
    run = flowing_run(local_run, mediator, engine, HALF_OPEN_TIMEOUT_S)
    assert proxy.accepted >= 2 * FLOWING, "the wallets' links do not run through the proxy"
    at_fault = counts_now(run)
    proxy.blackhole()
    time.sleep(HALF_OPEN_S)
    proxy.cut()
    proxy.restore()
    # every message sent while the links were half-open has had its full timeout
    time.sleep(HALF_OPEN_TIMEOUT_S + 1.0)
    rows, counts = final_counts(run)
    print(f"\nhalf-open {mediator.flavour.name} {engine}: {counts}, failures {failures(rows)}")

    assert_adds_up(counts, in_flight_at_most=FLOWING)
    assert counts["delivered"] >= at_fault["delivered"] + FLOWING, (
        f"messages did not flow after the reconnect: {counts}"
    )
    found = "kept" if counts["lost"] == 0 else "lost"
    if counts["duplicated"]:
        found += ", duplicated"
    assert found == HALF_OPEN_FINDING[mediator.flavour.name], (
        f"{mediator.flavour.name}, links half-open {HALF_OPEN_S:g} s: {found}, not "
        f"{HALF_OPEN_FINDING[mediator.flavour.name]} ({counts}); {TABLE}"
    )


# Sent twice: the fault proxy sends REPLAYED of the messages the mediator writes down the wallets' links a second
# time, each right after the first, as a mediator that delivers twice would (users as in the freeze); ACA-Py 1.7.0.
REPLAYED = 3
TWICE_TIMEOUT_S = 8.0


@pytest.mark.parametrize("proxied", ["acapy"], indirect=True)
@pytest.mark.parametrize("engine", ENGINES)
def test_messages_the_mediator_sends_twice(local_run, proxied, engine, tmp_path):
    mediator, proxy = proxied
    run = flowing_run(local_run, mediator, engine, TWICE_TIMEOUT_S)
    run.master.wait_for(
        lambda: run.master.rows().get("didcomm receive_invitation", {}).get("num_requests") == FLOWING,
        45,
        "messages flowing between every pair",
    )
    # every pair is connected and past its first message: from now on the mediator writes down the wallets'
    # links only the users' basic messages, each with a ledger id (their pings ask for no answer)
    time.sleep(1.0)
    before = proxy.replayed
    proxy.replay(REPLAYED)
    run.master.wait_for(lambda: proxy.replayed - before == REPLAYED, 10, f"{REPLAYED} messages sent twice")
    at_replay = counts_now(run)["delivered"]
    # a wallet reads the copy in its next wait, the user's next message to it
    run.master.wait_for(
        lambda: (c := counts_now(run))["delivered"] >= at_replay + 2 * FLOWING and c["duplicated"] >= REPLAYED,
        20,
        "the copies read",
    )
    rows, counts = final_counts(run)
    print(f"\nsent twice {mediator.flavour.name} {engine}: {counts}, failures {failures(rows)}")
    summary = json.loads((run.local.export_now(tmp_path / "export") / "summary.json").read_text())["delivery"]

    assert {key: summary[key] for key in counts} == counts, (summary, counts)
    assert summary["duplicated"] == REPLAYED, f"{REPLAYED} messages arrived twice: {summary}"
    assert_adds_up(counts, in_flight_at_most=FLOWING)
    assert counts["lost"] == 0 and counts["late"] == 0, counts
    # a copy is not a delivery: each delivered message is one row that saw it arrive, but for at most one per
    # user whose task the stop ended between the arrival and its row
    delivered_rows = rows["didcomm deliver_message"]["num_requests"]
    assert delivered_rows <= counts["delivered"] <= delivered_rows + FLOWING, (counts, delivered_rows)
    # The copies cost no message a failure. A start may have failed before: this case's 8 s timeout, set to judge
    # messages, also bounds a Credo agent's start (a Node process, its wallet and mediation), which a loaded host
    # can take longer for; the start is retried and every pair flowed before the copies were sent.
    after_start = {key: count for key, count in failures(rows).items() if key != "didcomm agent_start"}
    assert not after_start, failures(rows)
