"""What to run on another host so that its workers join a master: `mediator-tui worker --master ADDR:PORT`.

The address is the one the master binds (MASTER_HOST) unless that is every interface, then this host's
primary address as the routing table picks it. The line names no setting's value but the address and
ports, so it never carries a secret.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from mediator_tui.common.bind_address import WILDCARD_BINDS, is_loopback

# Locust's own default for --master-bind-port: what an attached master most likely listens on.
LOCUST_MASTER_PORT = 5557
# A documentation address (RFC 5737): connecting a UDP socket to it sends nothing but picks a route.
_ROUTE_PROBE = ("192.0.2.1", 9)


def primary_address() -> str:
    """The address this host's traffic leaves from (the default route's interface); its host name's
    address when there is no route; loopback as the last resort."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_ROUTE_PROBE)
            address = str(probe.getsockname()[0])
        if address and not is_loopback(address):
            return address
    except OSError:
        pass
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def reachable_address(bind_host: str, primary: Callable[[], str] = primary_address) -> str:
    """Where another host reaches a master bound on `bind_host`."""
    host = bind_host.strip()
    return primary() if host in WILDCARD_BINDS else host


def worker_command(address: str, port: int, processes: int) -> str:
    """The command line that starts `processes` workers for the master at `address:port`."""
    host = f"[{address}]" if ":" in address else address  # an IPv6 address, as in a URL
    return f"mediator-tui worker --master {host}:{port} --processes {max(processes, 1)}"


def check_bindable(host: str) -> str:
    """Why this host cannot bind `host` ("" when it can): a name that does not resolve, an address of
    another host. Checked before the master starts, whose own error is a line deep in its log."""
    if host.strip() in WILDCARD_BINDS:
        return ""
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        return f"does not resolve ({error})"
    family, _, _, _, address = infos[0]
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind(address)
    except OSError as error:
        return f"cannot be bound on this host ({error.strerror or error}): use one of its addresses, or 0.0.0.0"
    return ""
