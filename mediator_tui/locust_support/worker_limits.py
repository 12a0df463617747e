"""How many agents one worker process can hold, found before the limits bite.

A user otherwise meets them as obscure failures deep in a run: `EMFILE` (open files) or `EADDRNOTAVAIL`
(no free local port for another connection to the same mediator address). Workers raise the open-file
limit at start (`mediator_tui.common.open_files`) and refuse an agent beyond the limit with a
`AgentLimitError` that names it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from mediator_tui.agents.interface import AgentLimitError
from mediator_tui.common.host_limits import PORT_RANGE_PATH, local_port_range
from mediator_tui.common.open_files import open_file_limit
from mediator_tui.contracts.worker_report import WorkerLimits

# Descriptors a worker needs besides its agents: Locust's zmq sockets, logs, HTTP clients, spawning.
RESERVED_FILES = 100
HINT = "see the manual, docs/large-runs.md 'Preparing a VM for large runs'"


@dataclass(frozen=True)
class Capacity:
    max_agents: int
    open_files_limit: int
    local_ports: int
    limited_by: str  # e.g. "open files (RLIMIT_NOFILE 1024)"


def capacity(files_per_agent: int = 1, ports_per_agent: int = 1, port_range_path: str = PORT_RANGE_PATH) -> Capacity:
    """How many agents this process can hold: free descriptors and local ports, whichever runs out first.

    A native mediated agent holds one socket (its websocket to the mediator) and one local port; every
    connection to the same mediator address needs its own local port, so the range caps a process (and
    in fact the host) at its size per mediator address.
    """
    soft = open_file_limit()
    free_files = max(0, soft - open_files_in_use() - RESERVED_FILES)
    low, high = local_port_range(port_range_path)
    ports = max(0, high - low + 1)
    by_files = free_files // max(1, files_per_agent)
    # agents that keep no connection of their own in this process (credo: the node child does) need no port
    by_ports = ports // ports_per_agent if ports_per_agent > 0 else by_files
    if by_files <= by_ports or ports_per_agent <= 0:
        return Capacity(by_files, soft, ports, f"open files (RLIMIT_NOFILE {soft})")
    return Capacity(by_ports, soft, ports, f"local port range ({low}-{high}, {ports} ports)")


def reported_limits(limit: Capacity, files_per_agent: int) -> WorkerLimits:
    """The limits a worker reports, descriptors in use counted now, so that the master can tell how many
    more agents fit and which limit binds first."""
    # Every agent keeps one connection to the mediator, from this process (native) or its Node child
    # (credo): one local port of the host's range either way.
    return WorkerLimits(
        nofile=limit.open_files_limit,
        max_agents=limit.max_agents,
        open_files=open_files_in_use(),
        reserved_files=RESERVED_FILES,
        files_per_agent=files_per_agent,
        local_ports=limit.local_ports,
        ports_per_agent=1,
    )


class AgentSlots:
    """Counts the agents of one process against its capacity; refuses with an AgentLimitError past it."""

    def __init__(self, limit: Capacity):
        self.capacity = limit
        self.in_use = 0
        self.refused = 0

    def acquire(self) -> None:
        if self.in_use >= self.capacity.max_agents:
            self.refused += 1
            raise AgentLimitError(
                f"this worker already holds {self.in_use} agents, the most its "
                f"{self.capacity.limited_by} allows; {HINT}"
            )
        self.in_use += 1

    def release(self) -> None:
        self.in_use = max(0, self.in_use - 1)


def open_files_in_use() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0
