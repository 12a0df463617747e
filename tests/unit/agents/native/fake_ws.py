"""An in-process websocket server on loopback for tests of the native engine."""

import base64
import hashlib
import ssl

import gevent.server
import gevent.ssl

from mediator_tui.agents.native.websocket import WebSocket, WebSocketClosed

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeServer:
    """A websocket server on loopback; `behaviour(ws, index)` runs per accepted connection.

    With `tls=(certfile, keyfile)` it speaks wss://; `upgrade_tail` is sent right after the upgrade answer,
    in the same write (as a server does that speaks at once)."""

    def __init__(self, behaviour, tls: tuple[str, str] | None = None, upgrade_tail: bytes = b""):
        self.behaviour = behaviour
        self.upgrade_tail = upgrade_tail
        self.connections = 0
        tls_args = {}
        if tls:
            context = gevent.ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            tls_args["ssl_context"] = context
        self.server = gevent.server.StreamServer(("127.0.0.1", 0), self._handle, **tls_args)
        self.server.start()
        self.url = f"{'wss' if tls else 'ws'}://127.0.0.1:{self.server.server_port}/"

    def _handle(self, sock, _address):
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(4096)
        key = next(
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key")
        )
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + self.upgrade_tail
        )
        self.connections += 1
        self.behaviour(WebSocket(sock, 5), self.connections)

    def stop(self):
        self.server.stop(timeout=1)


def echo(ws, _index):
    try:
        while True:
            ws.send(ws.recv())
    except WebSocketClosed:
        pass
