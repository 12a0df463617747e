"""A real ACA-Py mediator of each flavour: invitations, counts, ports, stop without orphans."""

from __future__ import annotations

import os
import resource
import signal
import socket
import time
from pathlib import Path

import base58
import nacl.signing
import pytest

from mediator_tui.common.invitation import decode_invitation_url
from mediator_tui.core.mediator import CONNECTIONS_V1, OOB, LocalMediator, MediatorError, jsonhttp
from mediator_tui.core.processes import group_members

DIDEXCHANGE = {"https://didcomm.org/didexchange/1.1", "https://didcomm.org/didexchange/1.0"}


def admin(mediator: LocalMediator, method: str, path: str, body: dict | None = None, params: dict | None = None):
    return jsonhttp.call(method, mediator.admin_url + path, params, body)


def wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def did_key() -> str:
    verkey = bytes(nacl.signing.SigningKey.generate().verify_key)
    return "did:key:z" + base58.b58encode(b"\xed\x01" + verkey).decode()


def connect(client: LocalMediator, mediator: LocalMediator) -> str:
    """`client` (another ACA-Py) accepts a fresh invitation of `mediator`; its connection id."""
    invitation = decode_invitation_url(mediator.create_invitation(OOB)).message
    received = admin(client, "POST", "/out-of-band/receive-invitation", invitation)
    return received["connection_id"]


def wait_active(client: LocalMediator, connection_id: str) -> None:
    wait_for(
        lambda: admin(client, "GET", f"/connections/{connection_id}")["state"] in ("active", "completed"),
        "the client connection",
    )


def mediate_through(client: LocalMediator, mediator: LocalMediator, routes: int) -> None:
    """`client` connects to `mediator`, gets mediation and registers `routes` keys."""
    connection_id = connect(client, mediator)
    wait_active(client, connection_id)
    mediation_id = admin(client, "POST", f"/mediation/request/{connection_id}", {})["mediation_id"]
    wait_for(lambda: admin(client, "GET", f"/mediation/requests/{mediation_id}")["state"] == "granted", "the grant")
    admin(
        client,
        "POST",
        f"/mediation/keylists/{mediation_id}/send-keylist-update",
        {"updates": [{"recipient_key": did_key(), "action": "add"} for _ in range(routes)]},
    )


@pytest.fixture(params=["acapy", "acapy-legacy"])
def mediator(request):
    return request.getfixturevalue(request.param.replace("-", "_") + "_mediator")


def test_oob_invitation_points_at_the_mediators_http_endpoint(mediator):
    invitation = decode_invitation_url(mediator.invitation_url)
    assert invitation.kind == "oob"
    assert set(invitation.message["handshake_protocols"]) == DIDEXCHANGE
    assert invitation.message["services"][0]["serviceEndpoint"] == mediator.http_url
    fresh = decode_invitation_url(mediator.create_invitation(OOB))
    assert fresh.message["@id"] != invitation.message["@id"]


def test_legacy_makes_connections_v1_invitations(acapy_legacy_mediator):
    invitation = decode_invitation_url(acapy_legacy_mediator.create_invitation(CONNECTIONS_V1))
    assert invitation.kind == "c_i"
    assert invitation.message["@type"].endswith("/connections/1.0/invitation")
    assert invitation.message["serviceEndpoint"] == acapy_legacy_mediator.http_url
    assert invitation.message["recipientKeys"]


def test_acapy_17_refuses_connections_v1_with_the_way_out(acapy_mediator):
    with pytest.raises(MediatorError, match="use --flavour acapy-legacy"):
        acapy_mediator.create_invitation(CONNECTIONS_V1)


def test_rotator_hands_out_working_fresh_invitations(acapy_mediator):
    rotator = acapy_mediator.rotator(every=2)
    urls = [rotator.next() for _ in range(5)]
    ids = [decode_invitation_url(url).message["@id"] for url in urls]
    assert ids[0] == ids[1] and ids[2] == ids[3]
    assert len(set(ids)) == 3


@pytest.mark.parametrize(
    "mediator_name,client_name",
    [
        ("acapy_mediator", "acapy_legacy_mediator"),  # 1.7 pages its lists at 100
        ("acapy_legacy_mediator", "acapy_mediator"),  # 0.12 answers in one page
    ],
)
def test_counts_see_a_real_client_and_more_than_one_page_of_routes(request, mediator_name, client_name):
    mediator = request.getfixturevalue(mediator_name)
    client = request.getfixturevalue(client_name)
    before = mediator.counts()
    mediate_through(client, mediator, routes=150)
    wait_for(lambda: mediator.counts().keylist_routes == before.keylist_routes + 150, "150 routes on the mediator")
    after = mediator.counts()
    assert after.active_connections == before.active_connections + 1
    assert after.granted_mediations == before.granted_mediations + 1


def test_connection_count_reads_past_the_first_page(acapy_mediator, acapy_legacy_mediator):
    """ACA-Py 1.x answers 100 connections unless asked for more."""
    before = acapy_mediator.counts().active_connections
    made = [connect(acapy_legacy_mediator, acapy_mediator) for _ in range(105)]
    for connection_id in made:
        wait_active(acapy_legacy_mediator, connection_id)
    wait_for(
        lambda: acapy_mediator.counts().active_connections == before + 105,
        "105 more active connections on the mediator",
    )
    assert before + 105 > 100


def test_fresh_mediator_counts_nothing_after_its_warm_up_and_stops_whole(tmp_path):
    with LocalMediator("acapy", run_dir=tmp_path) as mediator:
        pgid = mediator.pgid
        assert mediator.running
        assert mediator.counts().active_connections == 0
        assert mediator.counts().granted_mediations == 0
        # The warm-up did make its mediation: the routing DID exists before any client.
        granted = admin(mediator, "GET", "/mediation/requests", params={"state": "granted"})
        assert [m["role"] for m in granted["results"]].count("server") == 1
    assert not group_members(pgid)
    assert not mediator.running
    assert (tmp_path / "mediator.log").exists()


def test_a_forced_port_in_use_is_refused_before_starting(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        mediator = LocalMediator("acapy", admin_port=port, run_dir=tmp_path)
        with pytest.raises(MediatorError, match=f"port 127.0.0.1:{port} \\(admin\\) is already in use"):
            mediator.start()
    assert mediator.pgid is None


def test_a_mediator_that_dies_during_start_reports_its_log(tmp_path, monkeypatch):
    mediator = LocalMediator("acapy", run_dir=tmp_path)
    real_spec = mediator.flavour.launch_spec

    def broken_spec(ports, run_dir, endpoints):
        spec = real_spec(ports, run_dir, endpoints)
        spec.argv.append("--no-such-flag")
        return spec

    monkeypatch.setattr(mediator.flavour, "launch_spec", broken_spec)
    with pytest.raises(MediatorError, match="(?s)exited during start.*no-such-flag"):
        mediator.start()
    assert not mediator.running


def test_restart_after_a_crash_keeps_ports_and_wallet(tmp_path):
    with pytest.raises(MediatorError, match="never started"):
        LocalMediator("acapy", run_dir=tmp_path).restart()
    with LocalMediator("acapy", run_dir=tmp_path) as mediator:
        ports, invitation = mediator.ports, mediator.invitation_url
        os.killpg(mediator.pgid, signal.SIGKILL)
        wait_for(lambda: not mediator.running, "the mediator to die")
        with socket.socket() as taken:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # its old sockets linger in TIME_WAIT
            # the dead mediator's listening socket goes a moment after the process
            wait_for(lambda: _binds(taken, ports.admin), "the admin port to be free")
            taken.listen()
            with pytest.raises(MediatorError, match=f"port 127.0.0.1:{ports.admin} \\(admin\\) is taken"):
                mediator.restart()
        mediator.restart()
        assert mediator.running and mediator.ports == ports and mediator.invitation_url == invitation
        # The same wallet: the warm-up's mediation from before the crash is still granted.
        granted = admin(mediator, "GET", "/mediation/requests", params={"state": "granted"})
        assert [m["role"] for m in granted["results"]].count("server") == 1
        pgid = mediator.pgid
    assert not group_members(pgid)


def _binds(sock: socket.socket, port: int) -> bool:
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    return True


def test_mediator_may_hold_as_many_connections_as_the_hard_limit_allows(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # The usual login default: a mediator started under it stops onboarding near 1000 agents.
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    try:
        with LocalMediator("acapy", run_dir=tmp_path) as mediator:
            limits = Path(f"/proc/{mediator.pid}/limits").read_text()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    line = next(line for line in limits.splitlines() if line.startswith("Max open files"))
    assert line.split()[3:5] == [str(hard), str(hard)], line
