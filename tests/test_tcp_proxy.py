"""The test fault `tests/fixtures/tcp_proxy.py`: forwards both ways, blackholes without closing, cuts."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.fixtures.tcp_proxy import TcpProxy


@pytest.fixture
def echo_port():
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=lambda c=conn: [c.sendall(d) for d in iter(lambda: c.recv(1024), b"")],
                             daemon=True).start()

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
