"""A minimal RFC 6455 websocket client on gevent sockets.

Own framing instead of websocket-client: that library guards sends with a `threading.Lock`, which in an
unpatched process blocks the whole hub when two greenlets send at once, and it keeps buffers per socket.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from urllib.parse import urlsplit

import gevent.lock
import gevent.socket
import gevent.ssl

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_MESSAGE = 16 * 1024 * 1024
_MAX_HEADER = 16 * 1024
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WebSocketClosed(ConnectionError):
    """The websocket is closed (by either side) or broke."""


class WebSocket:
    """One client connection. `recv` from one greenlet; `send` from any (sends are serialised)."""

    __slots__ = ("_sock", "_pending", "_send_lock", "_send_timeout", "closed")

    def __init__(self, sock, send_timeout: float):
        self._sock = sock
        self._send_timeout = send_timeout
        self._pending = b""
        self._send_lock = gevent.lock.Semaphore()
        self.closed = False

    @classmethod
    def connect(cls, url: str, timeout: float) -> "WebSocket":
        """Open and upgrade; OSError/WebSocketClosed on failure. Sends and the handshake use `timeout`."""
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss"):
            raise WebSocketClosed(f"{url!r} is not a ws:// or wss:// URL")
        secure = parts.scheme == "wss"
        host = parts.hostname or ""
        port = parts.port or (443 if secure else 80)
        sock = gevent.socket.create_connection((host, port), timeout=timeout)
        try:
            if secure:
                sock = gevent.ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            key = base64.b64encode(os.urandom(16))
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode("latin-1"))
            ws = cls(sock, timeout)
            ws._read_handshake(key)
            # reads wait without limit (an idle link is healthy); sends are bounded in `send`
            sock.settimeout(None)
        except BaseException:
            sock.close()
            raise
        return ws

    def _read_handshake(self, key: bytes) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise WebSocketClosed("server closed the connection during the websocket handshake")
            head += chunk
            if len(head) > _MAX_HEADER:
                raise WebSocketClosed("websocket handshake response too large")
        head, _, self._pending = head.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in f"{lines[0]} ":
            raise WebSocketClosed(f"websocket upgrade refused: {lines[0]}")
        expected = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if headers.get("sec-websocket-accept") != expected:
            raise WebSocketClosed("websocket upgrade answered with a wrong Sec-WebSocket-Accept")

    def send(self, payload: bytes, opcode: int = OP_BINARY) -> None:
        if self.closed:
            raise WebSocketClosed("websocket is closed")
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = _mask(payload, mask)
        with self._send_lock:
            try:
                with gevent.Timeout(self._send_timeout, WebSocketClosed("websocket send timed out")):
                    self._sock.sendall(header + mask + masked)
            except OSError as exc:
                self._mark_closed()
                raise WebSocketClosed(f"websocket send failed: {exc}") from None
            except WebSocketClosed:
                self._mark_closed()  # a frame may be half sent: the stream is unusable
                raise

    def recv(self) -> bytes:
        """The next text or binary message; answers pings; WebSocketClosed on close or error."""
        parts: list[bytes] = []
        size = 0
        while True:
            first, second = self._read(2)
            opcode, masked, length = first & 0x0F, second & 0x80, second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8))
            if size + length > _MAX_MESSAGE:
                self._mark_closed()
                raise WebSocketClosed(f"websocket message larger than {_MAX_MESSAGE} bytes")
            mask = self._read(4) if masked else b""
            payload = self._read(length) if length else b""
            if mask:
                payload = _mask(payload, mask)
            if opcode == OP_PING:
                self.send(payload, OP_PONG)
            elif opcode == OP_CLOSE:
                self.close()
                raise WebSocketClosed("websocket closed by the server")
            elif opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                parts.append(payload)
                size += length
                if first & 0x80:
                    return b"".join(parts)

    def _read(self, count: int) -> bytes:
        while len(self._pending) < count:
            try:
                chunk = self._sock.recv(max(4096, count - len(self._pending)))
            except OSError as exc:
                self._mark_closed()
                raise WebSocketClosed(f"websocket read failed: {exc}") from None
            if not chunk:
                self._mark_closed()
                raise WebSocketClosed("websocket connection dropped by the server")
            self._pending += chunk
        data, self._pending = self._pending[:count], self._pending[count:]
        return data

    def close(self) -> None:
        if self.closed:
            return
        try:
            with gevent.Timeout(1, False):
                self.send(struct.pack("!H", 1000), OP_CLOSE)
        except WebSocketClosed:
            pass
        self._mark_closed()

    def _mark_closed(self) -> None:
        self.closed = True
        self._sock.close()


def _mask(payload: bytes, mask: bytes) -> bytes:
    # XOR through one big integer: a per-byte Python loop would cost ~100x more CPU per message
    if not payload:
        return payload
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")
