"""A proxy idle timeout, as a cloud load balancer's: the embedded ACA-Py behind the tool's own nginx
(MEDIATOR_PROXY) closes every websocket that stays quiet for IDLE_TIMEOUT, and Locust users wait longer than
that between their tasks. Run as a user runs it (`--headless --export`): the closes must show in the export as
reconnects and in the session gap, no ping or message fails but one in flight on a socket as the proxy closed it
(named as that reset), and the delivery ledger accounts for every message, so nothing fails silently.

ACA-Py pings each websocket every 3 s (its --ws-heartbeat-interval default): a timeout of 3 s or more never
fires on an open socket (tests/mediator/test_mediator_proxy.py), so the timeout here is under it, as a proxy's
would have to be to bite. SHAPES names the target shapes the case runs against; a shape is the settings that
make it, so a later one (the proxy in front of ACA-Py on PostgreSQL) joins with its own entry.
"""

from __future__ import annotations

import csv
import re

import pytest

from mediator_tui.core.mediator.process import port_in_use
from tests.support.headless_runs import EMBEDDED, finish, headless, read_export

IDLE_TIMEOUT = "2s"
SHAPES = {"nginx": {"MEDIATOR_PROXY": "nginx"}}
SETTINGS = {
    **EMBEDDED,
    "MEDIATOR_PROXY_IDLE_TIMEOUT": IDLE_TIMEOUT,
    # Every wait outlasts the idle timeout (and ACA-Py's heartbeat): each wallet's socket is closed between tasks.
    "LOCUST_MIN_WAIT": "4",
    "LOCUST_MAX_WAIT": "5",
    "VERIFIED_TIMEOUT_SECONDS": "15",
}
# How the native engine names a request whose socket closed before its answer (reply_waiters.py).
RESET = "mediator connection reset while waiting"
USERS = 4  # two ping users (one wallet each), two deliver users (two wallets each)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_idle_closes_show_as_reconnects_and_no_failure_is_silent(tmp_path, shape):
    process = headless(
        tmp_path,
        {**SETTINGS, **SHAPES[shape]},
        "-f",
        "locustMediatorPing.py,locustMediatorDeliver.py",
        "-u",
        str(USERS),
        "-r",
        str(USERS),
        "-t",
        "40s",
        "--workers",
        "1",
        "--fail-on",
        "crashes>0",
    )
    code, stderr = finish(process, timeout_s=240)
    assert code == 0, stderr
    out = tmp_path / "out"
    summary, requests = read_export(out)

    # The run went through the proxy, which is gone with the run.
    target = summary["run"]["target"]
    assert "nginx" in target and f"idle timeout {IDLE_TIMEOUT[:-1]} s" in target, target
    port = int(re.match(r"http://127\.0\.0\.1:(\d+) ", target).group(1))
    assert not port_in_use(port), f"the proxy's port {port} is still open after the run"
    assert (out / "logs" / "nginx-error.log").is_file(), "the proxy's log is not in the export"

    # Every wallet saw its socket closed at least once, and each close was a counted reconnect.
    agents = summary["agents"]
    assert agents["crashed"] == 0 and agents["started"] >= 6, agents
    assert agents["reconnects"] >= agents["started"], agents
    with open(out / "memory.csv", newline="") as f:
        reconnects = [int(row["agents_reconnects"]) for row in csv.DictReader(f) if row["agents_reconnects"]]
    assert reconnects and reconnects[-1] > reconnects[0], "the reconnects did not rise over the run in memory.csv"
    # And in the session gap: seconds in which the mediator held fewer sessions than wallets ran (sockets closed
    # by the proxy, not yet reopened).
    with open(out / "mediator.csv", newline="") as f:
        seconds = [row for row in csv.DictReader(f) if row["agents_running"] == str(agents["peak_running"])]
    assert any(row["session_gap"] and int(row["session_gap"]) < 0 for row in seconds), seconds

    # No silent failure: every ping and message asked for was answered or delivered, but for one caught in flight
    # on a socket the proxy closed under it (docs/reliability.md "A reverse proxy's idle timeout"), which fails
    # naming the reset.
    rows = {row["name"]: row for row in requests}
    with open(out / "failures.csv", newline="") as f:
        failed = [row for row in csv.DictReader(f) if row["name"] in ("ping_mediator", "deliver_message")]
    assert all(RESET in row["error"] for row in failed), failed
    for name in ("ping_mediator", "deliver_message"):
        assert int(rows[name]["count"]) - int(rows[name]["failures"]) >= 5, (rows[name], failed)
    delivery = summary["delivery"]
    assert delivery["sent"] == delivery["delivered"] + delivery["lost"] + delivery["in_flight"], delivery
    assert delivery["lost"] == 0 and delivery["delivered"] >= 5, delivery
