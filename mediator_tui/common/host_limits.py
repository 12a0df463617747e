"""The limits of this host that bound how many connections its processes can hold."""

from __future__ import annotations

PORT_RANGE_PATH = "/proc/sys/net/ipv4/ip_local_port_range"


def local_port_range(path: str = PORT_RANGE_PATH) -> tuple[int, int]:
    """The kernel's ephemeral port range (inclusive); Linux's default when unreadable."""
    try:
        with open(path) as handle:
            low, high = (int(part) for part in handle.read().split()[:2])
        return low, high
    except (OSError, ValueError):
        return 32768, 60999
