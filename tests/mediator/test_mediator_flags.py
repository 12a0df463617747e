"""MEDIATOR_ARGS reach the embedded ACA-Py: the flag is on its command line and does what ACA-Py says it does
(`--ws-heartbeat-interval 30`: no websocket ping within 10 s, where the default pings every 3 s)."""

from __future__ import annotations

import time

import psutil
import websocket

from mediator_tui.core.mediator import LocalMediator

WINDOW_S = 10.0


def pings_within(ws_url: str, seconds: float) -> int:
    """The pings an idle websocket client gets from the mediator in `seconds` (each answered, as a wallet does)."""
    client = websocket.create_connection(ws_url, timeout=seconds)
    pings, deadline = 0, time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) > 0:
            client.settimeout(left)
            try:
                opcode, _ = client.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                break
            pings += opcode == websocket.ABNF.OPCODE_PING
    finally:
        client.close()
    return pings


def test_a_flag_of_the_env_reaches_acapys_command_line_and_changes_its_heartbeat(tmp_path, acapy_mediator):
    flags = ("--ws-heartbeat-interval", "30")
    with LocalMediator("acapy", run_dir=tmp_path, flags=flags) as mediator:
        argv = psutil.Process(mediator.pid).cmdline()
        assert argv[-2:] == list(flags), argv
        assert mediator.to_state()["flags"] == list(flags)
        assert pings_within(mediator.ws_url, WINDOW_S) == 0
    # The same idle client at a mediator of the default flags: pinged every 3 s.
    assert pings_within(acapy_mediator.ws_url, WINDOW_S) >= 1


def closed_after(ws_url: str, seconds: float) -> float | None:
    """When the mediator closed an idle websocket client that answers its pings (None: still open after `seconds`)."""
    client = websocket.create_connection(ws_url, timeout=seconds)
    opened = time.monotonic()
    try:
        while (left := opened + seconds - time.monotonic()) > 0:
            client.settimeout(left)
            try:
                opcode, data = client.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                return None
            except websocket.WebSocketConnectionClosedException:
                return time.monotonic() - opened
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return time.monotonic() - opened
            if opcode == websocket.ABNF.OPCODE_PING:
                client.pong(data)
        return None
    finally:
        client.close()


def test_a_heartbeat_beyond_acapys_receive_timeout_drops_an_idle_websocket_and_a_longer_timeout_keeps_it(tmp_path):
    # The run warns of this pairing (core/config/mediator_args.py): what ACA-Py does with it.
    with LocalMediator("acapy", run_dir=tmp_path / "alone", flags=("--ws-heartbeat-interval", "30")) as mediator:
        closed = closed_after(mediator.ws_url, 40.0)
    assert closed is not None and 14.0 <= closed < 40.0  # the default --ws-timeout-interval, 15 s
    flags = ("--ws-heartbeat-interval", "30", "--ws-timeout-interval", "60")
    with LocalMediator("acapy", run_dir=tmp_path / "paired", flags=flags) as mediator:
        assert closed_after(mediator.ws_url, 25.0) is None
