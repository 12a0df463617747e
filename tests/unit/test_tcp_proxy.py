"""The test fault `tests/fixtures/tcp_proxy.py`: forwards both ways, blackholes without closing, cuts; replays
websocket messages from the server."""

from __future__ import annotations

import socket
import threading

import pytest

from mediator_tui.agents.native.websocket import FrameParser
from tests.fixtures.tcp_proxy import ClientStream, ServerStream, TcpProxy, frame_extent


@pytest.fixture
def echo_port():
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(
                target=lambda c=conn: [c.sendall(d) for d in iter(lambda: c.recv(1024), b"")], daemon=True
            ).start()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def test_forwards_blackholes_without_closing_restores_and_cuts(echo_port):
    with TcpProxy(echo_port) as proxy:
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
        client.sendall(b"one")
        assert client.recv(16) == b"one"
        proxy.blackhole()
        client.sendall(b"lost")
        client.settimeout(0.5)
        with pytest.raises(TimeoutError):
            client.recv(16)  # nothing back, and no close either: the link is half-open
        proxy.restore()
        client.sendall(b"two")
        client.settimeout(2)
        assert client.recv(16) == b"two"
        proxy.cut()
        assert client.recv(16) == b""
        again = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
        again.sendall(b"three")
        assert again.recv(16) == b"three" and proxy.accepted == 2
    assert not [t for t in threading.enumerate() if t.name == f"tcp-proxy-{proxy.port}"]


HANDSHAKE = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"


def frame(payload: bytes, opcode: int = 0x2, fin: bool = True, mask: bytes = b"") -> bytes:
    """One websocket frame as RFC 6455 section 5.2 lays it out (the test's own encoder)."""
    first = (0x80 if fin else 0) | opcode
    masked = 0x80 if mask else 0
    if len(payload) < 126:
        header = bytes([first, masked | len(payload)])
    elif len(payload) < 1 << 16:
        header = bytes([first, masked | 126]) + len(payload).to_bytes(2, "big")
    else:
        header = bytes([first, masked | 127]) + len(payload).to_bytes(8, "big")
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + payload


def messages(stream: bytes) -> list[bytes]:
    """The data messages a client reads from `stream` (the native engine's own parser)."""
    assert stream.startswith(HANDSHAKE)
    return [payload for opcode, payload in FrameParser().feed(stream[len(HANDSHAKE) :]) if opcode < 0x8]


@pytest.mark.parametrize(("size", "header"), [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)])
def test_frame_extent_reads_7_16_and_64_bit_lengths(size, header):
    whole = frame(b"x" * size)
    assert frame_extent(whole) == (0x2, True, header + size)
    assert frame_extent(whole + b"next") == (0x2, True, header + size)
    assert frame_extent(whole[:-1] if size else whole[:1]) is None  # not all there yet
    assert frame_extent(whole[: header - 1]) is None


def test_frame_extent_of_masked_continuation_and_control_frames():
    assert frame_extent(frame(b"abc", opcode=0x1, fin=False, mask=b"\x01\x02\x03\x04")) == (0x1, False, 2 + 4 + 3)
    assert frame_extent(frame(b"abc", opcode=0x0)) == (0x0, True, 5)
    assert frame_extent(frame(b"", opcode=0x9)) == (0x9, True, 2)


def test_a_replayed_message_follows_its_original_and_nothing_else_is_sent_twice():
    budget = [2]

    def replay() -> bool:
        budget[0] -= 1
        return budget[0] >= 0

    fragmented = [
        frame(b"frag", opcode=0x1, fin=False),
        frame(b"ping", opcode=0x9),
        frame(b"mented", opcode=0x0, fin=False),
        frame(b"!", opcode=0x0),
    ]
    stream = HANDSHAKE + frame(b"one") + b"".join(fragmented) + frame(b"x" * 70000) + frame(b"four")
    server = ServerStream(replay)
    # fed a byte at a time: a frame is carried once all of it is there, a copy only after its message
    out = b"".join(server.feed(stream[i : i + 1]) for i in range(len(stream)))
    assert messages(out) == [b"one", b"one", b"fragmented!", b"fragmented!", b"x" * 70000, b"four"]
    # the ping between the fragments went once, the copy has only the data frames
    assert out.count(frame(b"ping", opcode=0x9)) == 1
    copy = fragmented[0] + fragmented[2] + fragmented[3]
    assert out.count(copy) == 1 and out.count(fragmented[0]) == 2


def test_a_frame_is_held_until_whole_and_the_handshake_carried_as_it_is():
    server = ServerStream(lambda: False)
    assert server.feed(HANDSHAKE[:10]) == b""
    whole = frame(b"y" * 300)
    assert server.feed(HANDSHAKE[10:] + whole[:3]) == HANDSHAKE
    assert server.feed(whole[3:-1]) == b""
    assert server.feed(whole[-1:] + frame(b"z")[:1]) == whole


def test_the_clients_offer_of_compression_is_withheld():
    request = (
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"sec-websocket-extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    )
    client = ClientStream()
    assert client.feed(request[:20]) == b""
    after = frame(b"hello", mask=b"abcd")
    sent = client.feed(request[20:] + after)
    assert b"permessage-deflate" not in sent and sent.endswith(b"Version: 13\r\n\r\n" + after)
    assert client.feed(b"Sec-WebSocket-Extensions: x") == b"Sec-WebSocket-Extensions: x"  # after the head: data


def test_a_replayable_proxy_sends_the_next_messages_twice_on_its_links():
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        conn, _ = server.accept()
        accepted.append(conn)
        request = b""
        while not request.endswith(b"\r\n\r\n"):
            request += conn.recv(1)
        accepted.append(request)
        conn.sendall(HANDSHAKE)
        for payload in (b"before", b"first", b"second", b"after"):
            conn.recv(1)  # one message out for each the client asks
            conn.sendall(frame(payload))

    threading.Thread(target=serve, daemon=True).start()
    try:
        with TcpProxy(server.getsockname()[1], replayable=True) as proxy:
            client = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
            client.sendall(b"GET / HTTP/1.1\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
            got = b""

            def read_until(count: int) -> list[bytes]:
                nonlocal got
                while len(found := messages(got) if got.startswith(HANDSHAKE) else []) < count:
                    got += client.recv(65536)
                return found

            client.sendall(b"1")
            assert read_until(1) == [b"before"]
            proxy.replay(2)
            for _ in range(3):
                client.sendall(b"1")
            assert read_until(6) == [b"before", b"first", b"first", b"second", b"second", b"after"]
            assert proxy.replayed == 2
            assert b"Extensions" not in accepted[1]
    finally:
        server.close()
        for conn in accepted[:1]:
            conn.close()


def test_only_a_replayable_proxy_replays(echo_port):
    with TcpProxy(echo_port) as proxy, pytest.raises(RuntimeError, match="replayable"):
        proxy.replay(1)
