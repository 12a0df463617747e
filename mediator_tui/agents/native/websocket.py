"""A minimal RFC 6455 websocket client on gevent sockets.

Own framing instead of websocket-client: that library guards sends with a `threading.Lock`, which in an
unpatched process blocks the whole hub when two greenlets send at once, and it keeps buffers per socket.

After the handshake the socket is non-blocking and every wait is explicit. That lets a kept-open link read
from an event-loop callback (`read_available`) instead of parking a greenlet per connection: with
thousands of mostly idle agents, each inbound message then costs no greenlet switches and no extra
`recv` that only returns EAGAIN.
"""

from __future__ import annotations

import base64
import collections
import functools
import hashlib
import os
import ssl
import struct
import time
from urllib.parse import urlsplit

import gevent
import gevent.lock
import gevent.socket
import gevent.ssl

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_MESSAGE = 16 * 1024 * 1024
_MAX_HEADER = 16 * 1024
_RECV_BYTES = 65536
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


class WebSocketClosed(ConnectionError):
    """The websocket is closed (by either side) or broke."""


def frame_sizes(buffer: bytes | bytearray, start: int = 0) -> tuple[int, int] | None:
    """(header bytes, payload bytes) of the frame that starts at `buffer[start]` (RFC 6455, section 5.2: a
    7-bit length, or 126 and 16 bits, or 127 and 64 bits; a 4-byte masking key when the mask bit is set);
    None while its header is not all there."""
    available = len(buffer) - start
    if available < 2:
        return None
    second = buffer[start + 1]
    length, header = second & 0x7F, 2
    if length == 126:
        if available < 4:
            return None
        length, header = int.from_bytes(buffer[start + 2 : start + 4], "big"), 4
    elif length == 127:
        if available < 10:
            return None
        length, header = int.from_bytes(buffer[start + 2 : start + 10], "big"), 10
    return (header + 4 if second & 0x80 else header), length


# RFC 6455, section 5.5: control frames carry at most 125 bytes and are never fragmented.
_MAX_CONTROL_PAYLOAD = 125
_OPCODES = (OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG)
_RSV_BITS = 0x70  # meaningful only with an extension, and we offer none


def frame_error(first: int, length: int, in_message: bool) -> str:
    """What is wrong with a frame whose first byte is `first` and payload `length` bytes, arriving while a
    fragmented message is (`in_message`) or is not under way; "" for a frame RFC 6455 allows (sections
    5.2, 5.4, 5.5)."""
    opcode = first & 0x0F
    if first & _RSV_BITS:
        return f"websocket frame with reserved bits {first & _RSV_BITS:#x} set (no extension was agreed)"
    if opcode not in _OPCODES:
        return f"websocket frame with reserved opcode {opcode:#x}"
    if opcode >= OP_CLOSE:
        if not first & 0x80:
            return f"fragmented websocket control frame (opcode {opcode:#x})"
        if length > _MAX_CONTROL_PAYLOAD:
            return f"websocket control frame of {length} bytes (at most {_MAX_CONTROL_PAYLOAD})"
        return ""
    if opcode == OP_CONT and not in_message:
        return "websocket continuation frame without a message to continue"
    if opcode != OP_CONT and in_message:
        return "websocket data frame inside a fragmented message"
    return ""


class FrameParser:
    """Turns received bytes, in chunks of any size, into whole frames: (opcode, payload) with data
    fragments joined into one message; a message over the size limit, or a frame RFC 6455 does not allow,
    is an error (WebSocketClosed), not a memory sink or a message made of two."""

    __slots__ = ("_buffer", "_fragments", "_fragments_size", "_in_message")

    def __init__(self):
        self._buffer = b""
        self._fragments: list[bytes] = []
        self._fragments_size = 0
        self._in_message = False

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buffer = self._buffer + data if self._buffer else data
        frames = []
        start, end = 0, len(buffer)
        while (sizes := frame_sizes(buffer, start)) is not None:
            header, length = sizes
            first = buffer[start]
            error = frame_error(first, length, self._in_message)
            if error:
                raise WebSocketClosed(error)
            if self._fragments_size + length > _MAX_MESSAGE:
                raise WebSocketClosed(f"websocket message larger than {_MAX_MESSAGE} bytes")
            if end - start < header + length:
                break
            payload = buffer[start + header : start + header + length]
            if buffer[start + 1] & 0x80:  # masked
                payload = _mask(payload, buffer[start + header - 4 : start + header])
            start += header + length
            opcode = first & 0x0F
            if opcode >= OP_CLOSE:  # control frames may come between the fragments of a message
                frames.append((opcode, payload))
                continue
            self._fragments.append(payload)
            self._fragments_size += length
            self._in_message = not first & 0x80
            if not self._in_message:
                frames.append((OP_BINARY, b"".join(self._fragments)))
                self._fragments, self._fragments_size = [], 0
        self._buffer = buffer[start:]
        return frames


class WebSocket:
    """One connection. Read with `recv` (a greenlet waits) or `read_available` (never waits); `send` from
    any greenlet (frames are never interleaved), `send_soon` from an event-loop callback.

    Once `closed`, `close_reason` says why, and every send raises WebSocketClosed with it."""

    __slots__ = ("_messages", "_parser", "_send_lock", "_send_timeout", "_sock", "_tls", "close_reason", "closed")

    def __init__(self, sock, send_timeout: float, received: bytes = b""):
        sock.settimeout(0.0)
        self._sock = sock
        self._tls = isinstance(sock, (ssl.SSLSocket, gevent.ssl.SSLSocket))
        self._send_timeout = send_timeout
        self._parser = FrameParser()
        self._messages: collections.deque[bytes] = collections.deque()
        self._send_lock = gevent.lock.Semaphore()
        self.closed = False
        self.close_reason = ""
        if received:
            self._take(received)

    @classmethod
    def connect(cls, url: str, timeout: float) -> WebSocket:
        """Open and upgrade; OSError/WebSocketClosed on failure. Sends and the handshake use `timeout`."""
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss"):
            raise WebSocketClosed(f"{url!r} is not a ws:// or wss:// URL")
        secure = parts.scheme == "wss"
        host = parts.hostname or ""
        port = parts.port or (443 if secure else 80)
        # One deadline for the whole opening (connect, TLS, upgrade): a per-read timeout alone lets a server
        # that trickles its answer a byte at a time hold the agent for ever.
        with gevent.Timeout(timeout, WebSocketClosed(f"websocket opening took longer than {timeout:g} s")):
            sock = gevent.socket.create_connection((host, port), timeout=timeout)
            try:
                if secure:
                    sock = _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")).wrap_socket(
                        sock, server_hostname=host
                    )
                key = base64.b64encode(os.urandom(16))
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                sock.sendall(
                    f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode("latin-1")
                )
                received = _read_handshake(sock, key)
            except BaseException:
                sock.close()
                raise
        return cls(sock, timeout, received)

    def fileno(self) -> int:
        return self._sock.fileno()

    # ----------------------------------------------------------------- sending

    def send(self, payload: bytes, opcode: int = OP_BINARY) -> None:
        """Send one frame, waiting at most the send timeout for the socket to take it."""
        rest = self._unsent(payload, opcode)
        if rest:
            with self._send_lock:
                self._send_waiting(rest)

    def send_soon(self, payload: bytes, opcode: int = OP_BINARY) -> None:
        """Send without ever waiting (safe in an event-loop callback): what the socket does not take at
        once is sent by a greenlet of its own."""
        rest = self._unsent(payload, opcode)
        if rest:
            gevent.spawn(self._send_rest, rest)

    def _unsent(self, payload: bytes, opcode: int) -> bytes:
        """Frame `payload` and hand the socket what it takes at once; return the rest. While another
        send waits on the socket nothing is handed over, so frames never interleave."""
        frame = self._frame(payload, opcode)
        return frame if self._send_lock.locked() else self._send_now(frame)

    def _send_rest(self, frame: bytes) -> None:
        try:
            with self._send_lock:
                self._send_waiting(frame)
        except WebSocketClosed:
            pass  # reading finds the closed socket and reports it

    def _frame(self, payload: bytes, opcode: int) -> bytes:
        if self.closed:
            raise WebSocketClosed(self.close_reason)
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        return header + mask + _mask(payload, mask)

    def _send_now(self, data: bytes) -> bytes:
        """Send what the socket takes without waiting; return the rest."""
        try:
            sent = self._sock.send(data)
        except _WOULD_BLOCK:
            return data
        except OSError as exc:
            self._mark_closed(f"websocket send failed: {exc}")
            raise WebSocketClosed(self.close_reason) from None
        return data[sent:]

    def _send_waiting(self, data: bytes) -> None:
        deadline = time.monotonic() + self._send_timeout
        while True:
            data = self._send_now(data)
            if not data:
                return
            remaining = deadline - time.monotonic()
            try:
                gevent.socket.wait_write(self._sock.fileno(), timeout=max(remaining, 0.0))
            except (gevent.socket.timeout, OSError):
                self._mark_closed("websocket send timed out")  # a frame may be half sent: the stream is unusable
                raise WebSocketClosed(self.close_reason) from None

    # ----------------------------------------------------------------- receiving

    def recv(self) -> bytes:
        """The next text or binary message, waiting for it; answers pings; WebSocketClosed on close or error."""
        while not self._messages:
            if self.closed:
                raise WebSocketClosed(self.close_reason)
            chunk = self._recv_now()
            if chunk:
                self._take(chunk)
            elif not self.closed:
                gevent.socket.wait_read(self._sock.fileno())
        return self._messages.popleft()

    def read_available(self) -> list[bytes]:
        """The whole messages that have arrived, without waiting (none while a frame is still partial).

        Meant for the callback of a read watcher on `fileno()`. Answers pings. It never raises: when the
        connection ended, `closed` is true afterwards (with `close_reason`), after the messages before the end.
        """
        while not self.closed:
            chunk = self._recv_now()
            if not chunk:
                break
            self._take(chunk)
            # TLS may hold decrypted bytes that the poller cannot see; a plain socket was read dry, or the
            # poller calls again
            # (mypy keeps `closed` false from the loop's test, but _take() may have closed it)
            if self.closed or not (self._tls and self._sock.pending()):  # type: ignore[redundant-expr]
                break
        messages = list(self._messages)
        self._messages.clear()
        return messages

    def _recv_now(self) -> bytes:
        """Received bytes, or b"" when there are none yet or the connection ended (then `closed`)."""
        try:
            chunk = self._sock.recv(_RECV_BYTES)
        except _WOULD_BLOCK:
            return b""
        except OSError as exc:
            self._mark_closed(f"websocket read failed: {exc}")
            return b""
        if not chunk:
            self._mark_closed("websocket connection dropped by the server")
        return chunk

    def _take(self, chunk: bytes) -> None:
        try:
            frames = self._parser.feed(chunk)
        except WebSocketClosed as exc:
            self._mark_closed(str(exc))
            return
        for opcode, payload in frames:
            if opcode == OP_PING:
                self.send_soon(payload, OP_PONG)
            elif opcode == OP_CLOSE:
                self.close("websocket closed by the server")
                return
            elif opcode != OP_PONG:
                self._messages.append(payload)

    # ----------------------------------------------------------------- closing

    def close(self, reason: str = "websocket is closed") -> None:
        """Say goodbye if the socket takes it at once, then close; never waits."""
        if self.closed:
            return
        try:
            self._unsent(struct.pack("!H", 1000), OP_CLOSE)
        except WebSocketClosed:
            pass
        self._mark_closed(reason)

    def _mark_closed(self, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self.close_reason = reason
            self._sock.close()


@functools.lru_cache(maxsize=1)
def _tls_context(_cert_file: str | None, _cert_dir: str | None) -> gevent.ssl.SSLContext:
    """One verifying client context for all connections (loading the CA store costs milliseconds), made
    anew when SSL_CERT_FILE or SSL_CERT_DIR change. gevent's own class: `gevent.ssl.create_default_context`
    is the standard library's, whose sockets would block the whole hub."""
    context = gevent.ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_default_certs()
    return context


def _read_handshake(sock, key: bytes) -> bytes:
    """Check the server's upgrade answer; return any bytes that came after it (the first frames)."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise WebSocketClosed("server closed the connection during the websocket handshake")
        head += chunk
        if len(head) > _MAX_HEADER:
            raise WebSocketClosed("websocket handshake response too large")
    head, _, rest = head.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if " 101 " not in f"{lines[0]} ":
        raise WebSocketClosed(f"websocket upgrade refused: {lines[0]}")
    expected = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("sec-websocket-accept") != expected:
        raise WebSocketClosed("websocket upgrade answered with a wrong Sec-WebSocket-Accept")
    return rest


def _mask(payload: bytes, mask: bytes) -> bytes:
    # XOR through one big integer: a per-byte Python loop would cost ~100x more CPU per message
    if not payload:
        return payload
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")
