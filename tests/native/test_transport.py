"""The websocket client and the kept-open mediator link: framing, reconnect with backoff, giving up."""

import os

import gevent
import gevent.event
import gevent.server
import pytest

from mediator_tui.agents.interface import TransportError
from mediator_tui.agents.native import transport
from mediator_tui.agents.native.transport import MediatorLink, backoff_delay
from mediator_tui.agents.native.websocket import OP_PING, WebSocket, WebSocketClosed
from tests.native.fake_ws import FakeServer, echo


@pytest.fixture
def fast_backoff(monkeypatch):
    monkeypatch.setattr(transport, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(transport, "MAX_OUTAGE_SECONDS", 0.5)


def test_messages_of_every_length_class_round_trip():
    server = FakeServer(echo)
    ws = WebSocket.connect(server.url, 5)
    try:
        for size in (0, 125, 126, 65535, 65536, 200_000):
            payload = os.urandom(size)
            ws.send(payload)
            assert ws.recv() == payload
    finally:
        ws.close()
        server.stop()


def test_server_ping_is_answered_and_does_not_surface_as_a_message():
    pong = gevent.event.AsyncResult()

    def ping_then_echo(ws, _index):
        ws.send(b"are you there", OP_PING)
        ws.send(b"data")
        pong.set(ws._read(2))  # the client's pong frame header
        echo(ws, _index)

    server = FakeServer(ping_then_echo)
    ws = WebSocket.connect(server.url, 5)
    try:
        assert ws.recv() == b"data"
        assert pong.get(timeout=5)[0] & 0x0F == 0xA
    finally:
        ws.close()
        server.stop()


def test_upgrade_refused_is_a_clear_error():
    def refuse(sock, _address):
        sock.recv(4096)
        sock.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    server = gevent.server.StreamServer(("127.0.0.1", 0), refuse)
    server.start()
    try:
        with pytest.raises(WebSocketClosed, match="403 Forbidden"):
            WebSocket.connect(f"ws://127.0.0.1:{server.server_port}/", 5)
    finally:
        server.stop()


def test_link_reconnects_after_a_drop_counts_it_and_keeps_delivering(fast_backoff):
    received = []

    def drop_first_connection(ws, index):
        if index == 1:
            ws.recv()
            ws.close()
            return
        echo(ws, index)

    server = FakeServer(drop_first_connection)
    reconnected = gevent.event.Event()
    link = MediatorLink(server.url, 5, received.append, reconnected.set, lambda reason: None)
    try:
        link.open()
        link.send(b"first")
        assert reconnected.wait(5)
        link.send(b"second")
        with gevent.Timeout(5):
            while not received:
                gevent.sleep(0.01)
        assert received == [b"second"]
        assert link.reconnects == 1 and server.connections == 2
    finally:
        link.close()
        server.stop()


def test_link_gives_up_after_a_bounded_outage_and_says_why(fast_backoff):
    server = FakeServer(lambda ws, index: ws.close())
    dead = gevent.event.AsyncResult()
    link = MediatorLink(server.url, 2, lambda message: None, lambda: None, dead.set)
    link.open()
    server.stop()
    try:
        reason = dead.get(timeout=10)
        assert "reconnects in 0.5 s failed" in reason and server.url in reason
        with pytest.raises(TransportError, match="reconnects in 0.5 s failed"):
            link.send(b"too late")
    finally:
        link.close()


def test_backoff_doubles_is_capped_and_jittered():
    assert backoff_delay(0, rng=lambda: 1.0) == transport.BACKOFF_BASE_SECONDS
    assert backoff_delay(3, rng=lambda: 1.0) == 8 * transport.BACKOFF_BASE_SECONDS
    assert backoff_delay(40, rng=lambda: 1.0) == transport.BACKOFF_CAP_SECONDS
    assert backoff_delay(40, rng=lambda: 0.0) == transport.BACKOFF_CAP_SECONDS / 2
