"""The websocket client and the kept-open mediator link: framing, reconnect with backoff, giving up."""

import os
import shutil
import subprocess

import gevent
import gevent.event
import gevent.server
import gevent.socket
import pytest

from mediator_tui.agents.interface import TransportError
from mediator_tui.agents.native import transport
from mediator_tui.agents.native.transport import MediatorLink, backoff_delay
from mediator_tui.agents.native.websocket import (
    OP_BINARY,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameParser,
    WebSocket,
    WebSocketClosed,
)
from tests.unit.agents.native.fake_ws import FakeServer, echo


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


def raw_frames(ws, count):
    """The next `count` frames as the peer sent them, control frames included (read off the socket)."""
    parser, frames = FrameParser(), []
    while len(frames) < count:
        gevent.socket.wait_read(ws.fileno(), timeout=5)
        frames += parser.feed(ws._sock.recv(65536))
    return frames


@pytest.mark.parametrize("read", ["recv", "read_available"])
def test_server_ping_is_answered_with_its_payload_and_does_not_surface_as_a_message(read):
    answer = gevent.event.AsyncResult()

    def ping_then_send(ws, _index):
        ws.send(b"are you there", OP_PING)
        ws.send(b"data")
        answer.set(raw_frames(ws, 1))

    server = FakeServer(ping_then_send)
    ws = WebSocket.connect(server.url, 5)
    try:
        if read == "recv":
            assert ws.recv() == b"data"
        else:
            messages = []
            with gevent.Timeout(5):
                while not messages:
                    gevent.socket.wait_read(ws.fileno())
                    messages += ws.read_available()
            assert messages == [b"data"]
        assert answer.get(timeout=5) == [(OP_PONG, b"are you there")]
    finally:
        ws.close()
        server.stop()


def test_frames_split_anywhere_and_fragmented_messages_are_reassembled():
    client = WebSocket.__new__(WebSocket)  # only its framing is used: frames as a client sends them
    client.closed = False
    frames = b"".join(
        client._frame(payload, opcode)
        for payload, opcode in [(b"x" * 70000, OP_BINARY), (b"hi", OP_PING), (b"last", OP_TEXT)]
    )
    fragmented = b"\x01\x03one" + b"\x89\x00" + b"\x00\x03two" + b"\x80\x05three"  # text, ping, cont, cont+FIN
    stream = frames + fragmented
    for step in (1, 7, 4096, len(stream)):
        parser, seen = FrameParser(), []
        for offset in range(0, len(stream), step):
            seen += parser.feed(stream[offset : offset + step])
        assert seen == [
            (OP_BINARY, b"x" * 70000),
            (OP_PING, b"hi"),
            (OP_BINARY, b"last"),
            (OP_PING, b""),
            (OP_BINARY, b"onetwothree"),
        ]


def test_a_message_over_the_size_limit_closes_the_connection_with_the_reason():
    with pytest.raises(WebSocketClosed, match="larger than"):
        FrameParser().feed(b"\x82\x7f" + (64 * 1024 * 1024).to_bytes(8, "big"))


def test_frames_that_came_with_the_upgrade_answer_are_delivered_to_the_link():
    received = []
    server = FakeServer(lambda ws, index: gevent.sleep(5), upgrade_tail=b"\x82\x05hello")
    link = MediatorLink(server.url, 5, received.append, lambda reason: None, lambda: None, lambda reason: None)
    try:
        link.open()
        assert received == [b"hello"]
    finally:
        link.close()
        server.stop()


def test_a_large_send_waits_for_a_slow_reader_and_arrives_whole():
    payload = os.urandom(8 * 1024 * 1024)  # far more than the socket buffers hold

    def slow_echo(ws, index):
        gevent.sleep(0.3)
        echo(ws, index)

    server = FakeServer(slow_echo)
    ws = WebSocket.connect(server.url, 10)
    try:
        ws.send(payload)
        assert ws.recv() == payload
    finally:
        ws.close()
        server.stop()


def test_a_send_the_peer_never_reads_times_out_and_closes_the_socket():
    server = FakeServer(lambda ws, index: gevent.sleep(10))
    ws = WebSocket.connect(server.url, 0.5)
    try:
        with pytest.raises(WebSocketClosed, match="send timed out"):
            ws.send(os.urandom(64 * 1024 * 1024 - 1024))
        assert ws.closed
        with pytest.raises(WebSocketClosed, match="send timed out"):
            ws.send(b"after")
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


def drop_after_reading(ws):
    ws.recv()
    ws.close()


def say_then_close(ws):
    ws.recv()
    ws.send(b"said before closing")
    ws.close()


def relinking(first_connection, timeout: float = 5.0):
    """(server, link, received, resets, reconnected): a link to a server whose first connection runs
    `first_connection(ws)` and whose later ones echo, with what the link received, the resets it told and an
    event set when it reconnected."""

    def behaviour(ws, index):
        if index == 1:
            first_connection(ws)
            return
        echo(ws, index)

    server = FakeServer(behaviour)
    received, resets, reconnected = [], [], gevent.event.Event()
    link = MediatorLink(server.url, timeout, received.append, resets.append, reconnected.set, lambda reason: None)
    return server, link, received, resets, reconnected


def until_received(received: list, message: bytes) -> None:
    with gevent.Timeout(5):
        while message not in received:
            gevent.sleep(0.01)


@pytest.mark.parametrize("first_connection_ends", [drop_after_reading, say_then_close])
def test_link_reconnects_after_the_server_ends_a_connection_counts_it_and_keeps_delivering(
    fast_backoff, first_connection_ends
):
    server, link, received, resets, reconnected = relinking(first_connection_ends)
    try:
        link.open()
        link.send(b"first")
        assert reconnected.wait(5)
        link.send(b"second")
        until_received(received, b"second")
        # what the server said before it closed arrives too
        expected = [b"said before closing"] if first_connection_ends is say_then_close else []
        assert received == expected + [b"second"]
        assert link.reconnects == 1 and server.connections == 2
        # the reset is told once, with the socket's reason, before the reconnect
        assert resets == ["websocket closed by the server"]
    finally:
        link.close()
        server.stop()


def test_a_send_that_fails_resets_the_link_before_its_error_returns_and_the_link_reconnects(fast_backoff):
    # a stalled mediator that reads nothing: a send larger than the socket buffers times out (the mediator
    # stalls far longer than a loaded host may take to send, so its end cannot pass for the reset)
    server, link, received, resets, reconnected = relinking(lambda ws: gevent.sleep(120), timeout=0.5)
    too_large = os.urandom(48 * 1024 * 1024)
    try:
        link.open()
        with pytest.raises(TransportError, match="websocket send timed out"):
            link.send(too_large)
        # told at once, not at a later turn of the event loop: waits for replies on the socket fail with it
        assert resets == ["websocket send timed out"] and not link.connected
        assert reconnected.wait(5)
        link.send(b"after")
        until_received(received, b"after")
        assert received == [b"after"] and link.reconnects == 1 and resets == ["websocket send timed out"]
    finally:
        link.close()
        server.stop()


def test_a_close_not_yet_read_when_a_send_comes_resets_the_link_and_the_message_goes_on_the_new_socket(fast_backoff):
    close_now, closed = gevent.event.Event(), gevent.event.Event()

    def close_when_told(ws):
        close_now.wait(5)
        ws.close()
        closed.set()

    server, link, received, resets, reconnected = relinking(close_when_told)
    try:
        link.open()
        # a busy worker: its hub has not yet run the link's read callback when the send comes, so the server's
        # close lies unread in the socket
        link._watcher.stop()
        close_now.set()
        assert closed.wait(5)
        gevent.sleep(0.05)
        link.send(b"after the close")
        until_received(received, b"after the close")
        assert resets == ["websocket closed by the server"] and reconnected.is_set()
        assert link.reconnects == 1 and server.connections == 2
    finally:
        link.close()
        server.stop()


def test_link_gives_up_after_a_bounded_outage_and_says_why(fast_backoff):
    server = FakeServer(lambda ws, index: ws.close())
    dead = gevent.event.AsyncResult()
    # A send waits up to the link's timeout for a reconnect: far longer than the test allows a dead link's send.
    link = MediatorLink(server.url, 60, lambda message: None, lambda reason: None, lambda: None, dead.set)
    link.open()
    server.stop()
    try:
        reason = dead.get(timeout=10)
        assert "reconnects in 0.5 s failed" in reason and server.url in reason
        with (
            gevent.Timeout(30, AssertionError("a send on a link that gave up waited for a reconnect")),
            pytest.raises(TransportError, match="reconnects in 0.5 s failed"),
        ):
            link.send(b"too late")
    finally:
        link.close()


@pytest.fixture
def loopback_certificate(tmp_path, monkeypatch):
    """A self-signed certificate for 127.0.0.1 that this test's TLS clients trust (via SSL_CERT_FILE)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return str(cert), str(key)


def test_a_tls_link_delivers_a_burst_of_messages_of_every_size(loopback_certificate):
    sizes = [10, 20000, 3, 70000, 125, 5]  # TLS records hold 16 KiB: some messages span several
    received = []

    def burst(ws, _index):
        for size in sizes:
            ws.send(bytes([size % 256]) * size)
        gevent.sleep(5)

    server = FakeServer(burst, tls=loopback_certificate)
    link = MediatorLink(server.url, 5, received.append, lambda reason: None, lambda: None, lambda reason: None)
    try:
        link.open()
        with gevent.Timeout(5):
            while len(received) < len(sizes):
                gevent.sleep(0.01)
        assert [len(message) for message in received] == sizes
    finally:
        link.close()
        server.stop()


def test_backoff_doubles_is_capped_and_jittered():
    assert backoff_delay(0, rng=lambda: 1.0) == transport.BACKOFF_BASE_SECONDS
    assert backoff_delay(3, rng=lambda: 1.0) == 8 * transport.BACKOFF_BASE_SECONDS
    assert backoff_delay(40, rng=lambda: 1.0) == transport.BACKOFF_CAP_SECONDS
    assert backoff_delay(40, rng=lambda: 0.0) == transport.BACKOFF_CAP_SECONDS / 2
