"""The native engine's websocket reader refuses what RFC 6455 does not allow (reserved bits and opcodes,
oversized or fragmented control frames, broken continuation), and its opening has one deadline."""

from __future__ import annotations

import struct
import time

import gevent
import gevent.server
import gevent.socket
import pytest

from mediator_tui.agents.native.websocket import OP_BINARY, OP_PING, FrameParser, WebSocket, WebSocketClosed

FIN = 0x80


def frame(first: int, payload: bytes = b"", length: int | None = None) -> bytes:
    """A server's (unmasked) frame with the first byte `first`; `length` as the header states it."""
    length = len(payload) if length is None else length
    if length < 126:
        return struct.pack("!BB", first, length) + payload
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length) + payload
    return struct.pack("!BBQ", first, 127, length) + payload


@pytest.mark.parametrize(
    ("frames", "error"),
    [
        ([frame(FIN | 0x3, b"x")], "reserved opcode 0x3"),
        ([frame(FIN | 0xB, b"x")], "reserved opcode 0xb"),
        ([frame(FIN | 0x40 | OP_BINARY, b"x")], "reserved bits"),
        ([frame(FIN | OP_PING, b"p" * 126)], "control frame of 126 bytes"),
        ([frame(FIN | OP_PING, length=1 << 40)], "control frame of"),  # refused from its header alone
        ([frame(OP_PING, b"p")], "fragmented websocket control frame"),
        ([frame(0x0, b"orphan")], "continuation frame without a message"),
        ([frame(0x0 | FIN, b"orphan")], "continuation frame without a message"),
        ([frame(OP_BINARY, b"part one"), frame(FIN | OP_BINARY, b"another message")], "data frame inside"),
    ],
)
def test_a_frame_rfc_6455_does_not_allow_closes_the_websocket(frames, error):
    with pytest.raises(WebSocketClosed, match=error):
        FrameParser().feed(b"".join(frames))


def test_fragments_with_a_ping_between_them_make_one_message():
    stream = frame(OP_BINARY, b"one ") + frame(FIN | OP_PING, b"p") + frame(0x0, b"two ") + frame(FIN, b"three")
    parser, frames = FrameParser(), []
    for byte in range(len(stream)):  # a byte at a time: every split of a header holds
        frames += parser.feed(stream[byte : byte + 1])
    assert frames == [(OP_PING, b"p"), (OP_BINARY, b"one two three")]
    assert parser.feed(frame(FIN | OP_BINARY, b"next")) == [(OP_BINARY, b"next")]


def _trickling_server(answer: bytes, every_s: float) -> gevent.server.StreamServer:
    """Reads the request, then sends `answer` a byte every `every_s` seconds."""

    def handle(sock: gevent.socket.socket, _address: object) -> None:
        sock.recv(4096)
        for byte in answer:
            sock.sendall(bytes([byte]))
            gevent.sleep(every_s)

    server = gevent.server.StreamServer(("127.0.0.1", 0), handle)
    server.start()
    return server


def test_a_handshake_trickled_a_byte_at_a_time_ends_at_the_deadline():
    server = _trickling_server(b"HTTP/1.1 101 Switching Protocols\r\n" + b"X-Padding: " + b"a" * 1000, 0.05)
    started = time.monotonic()
    try:
        with pytest.raises(WebSocketClosed, match="longer than 0.5 s"):
            WebSocket.connect(f"ws://127.0.0.1:{server.server_port}/", 0.5)
        # each byte comes well within the per-read timeout; only the total deadline ends the wait
        assert time.monotonic() - started < 5.0
    finally:
        server.stop()
