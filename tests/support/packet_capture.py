"""Every TCP byte that crosses an interface, per connection, read with a packet socket (no tcpdump needed).

`PacketCapture(socket)` takes an AF_PACKET socket opened where the interface is (`open_packet_socket`, called
inside its network namespace: tests/support/netns.py) and reads it on a thread until `stop()`. Each TCP
connection's payload is put back in order by sequence number (a retransmitted segment counts once), so a value
split across segments is still found whole by `flows_holding`.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_HEADER = 14
TCP = 6
FRAME_MAX = 65536
POLL_S = 0.2


def open_packet_socket(interface: str) -> socket.socket:
    """A packet socket on `interface` of the calling thread's network namespace, seeing every frame."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((interface, 0))
    sock.settimeout(POLL_S)
    return sock


@dataclass(frozen=True)
class Flow:
    """One direction of one TCP connection."""

    source: str
    source_port: int
    destination: str
    destination_port: int

    def __str__(self) -> str:
        return f"{self.source}:{self.source_port} -> {self.destination}:{self.destination_port}"


@dataclass
class _Stream:
    first_seq: int
    segments: dict[int, bytes] = field(default_factory=dict)  # offset from the first seen -> payload

    def add(self, seq: int, payload: bytes) -> None:
        offset = (seq - self.first_seq) % 2**32
        if len(payload) > len(self.segments.get(offset, b"")):
            self.segments[offset] = payload

    def data(self) -> bytes:
        out = bytearray()
        for offset in sorted(self.segments):
            payload = self.segments[offset]
            if offset < len(out):  # overlaps what is there: a retransmission of part of it
                payload = payload[len(out) - offset :]
            out += payload
        return bytes(out)


def tcp_segment(frame: bytes) -> tuple[Flow, int, bytes] | None:
    """(flow, sequence number, payload) of an Ethernet frame holding an IPv4 TCP segment; None otherwise."""
    if len(frame) < ETH_HEADER + 20 or struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return None
    ip_start = ETH_HEADER
    header_len = (frame[ip_start] & 0x0F) * 4
    total_len = struct.unpack_from("!H", frame, ip_start + 2)[0]
    if frame[ip_start + 9] != TCP or len(frame) < ip_start + header_len + 20:
        return None
    source, destination = (socket.inet_ntoa(frame[ip_start + at : ip_start + at + 4]) for at in (12, 16))
    tcp_start = ip_start + header_len
    source_port, destination_port, seq = struct.unpack_from("!HHI", frame, tcp_start)
    data_start = tcp_start + (frame[tcp_start + 12] >> 4) * 4
    payload = frame[data_start : ip_start + total_len]  # an Ethernet frame may be padded past the IP packet
    return Flow(source, source_port, destination, destination_port), seq, payload


class PacketCapture:
    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._streams: dict[Flow, _Stream] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.frames = 0
        self._thread = threading.Thread(target=self._read, name="packet-capture", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stopped.is_set():
            try:
                frame = self._sock.recv(FRAME_MAX)
            except TimeoutError:
                continue
            except OSError:
                return
            segment = tcp_segment(frame)
            with self._lock:
                self.frames += 1
                if segment is None or not segment[2]:
                    continue
                flow, seq, payload = segment
                self._streams.setdefault(flow, _Stream(seq)).add(seq, payload)

    def flows(self) -> dict[Flow, bytes]:
        """Each flow seen so far with its payload in order."""
        with self._lock:
            streams = dict(self._streams)
            return {flow: stream.data() for flow, stream in streams.items()}

    def flows_holding(self, value: bytes) -> list[Flow]:
        return [flow for flow, data in self.flows().items() if value in data]

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._sock.close()
