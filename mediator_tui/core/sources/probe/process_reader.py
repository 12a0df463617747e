"""The mediator's process, read with psutil: CPU, memory, descriptors, threads, held TCP connections; and
the CPU throttling of its cgroup (a CPU-limited embedded mediator, a container's limit)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import psutil

from mediator_tui.core.mediator.cpu_limit import HOST, CgroupPaths, read_throttling
from mediator_tui.core.metrics.probe_samples import ProcessSample

if TYPE_CHECKING:
    from psutil._ntuples import pconn, sconn

T = TypeVar("T")


class ProcessReader:
    """Reads one process; `ports=None` counts connections on every port it listens on but `exclude`
    (the admin and metrics ports, whose only clients are this probe)."""

    def __init__(
        self, pid: int, ports: tuple[int, ...] | None = None, exclude: tuple[int, ...] = (), cgroups: CgroupPaths = HOST
    ):
        self.pid = pid
        self._cgroups = cgroups
        self._ports = ports
        self._exclude = frozenset(exclude)
        self._process: psutil.Process | None = None
        self._last_cpu: tuple[float, float] | None = None  # (monotonic time, user + system seconds)

    def read(self) -> ProcessSample:
        started = time.monotonic()
        try:
            return self._read(started)
        except psutil.NoSuchProcess:
            self._process = None
            self._last_cpu = None
            return ProcessSample(pid=self.pid, error=f"process {self.pid} is gone", took_s=time.monotonic() - started)
        except psutil.AccessDenied:
            return ProcessSample(
                pid=self.pid,
                error=f"process {self.pid} belongs to another user: run the tool as that user to read it",
                took_s=time.monotonic() - started,
            )

    def _read(self, started: float) -> ProcessSample:
        if self._process is None:
            self._process = psutil.Process(self.pid)
        process = self._process
        with process.oneshot():
            status = process.status()
            times = process.cpu_times()
            busy = times.user + times.system
            cpu_percent = None
            if self._last_cpu is not None and started > self._last_cpu[0]:
                cpu_percent = 100.0 * (busy - self._last_cpu[1]) / (started - self._last_cpu[0])
            self._last_cpu = (started, busy)
            rss = process.memory_info().rss
            # Another user's process shows its times and RSS but not its memory map or descriptors.
            uss = _or_none(lambda: process.memory_full_info().uss)
            fds = _or_none(process.num_fds)
            threads = process.num_threads()
        ports, established = self._connections(process)
        throttling = read_throttling(self.pid, self._cgroups)
        return ProcessSample(
            pid=self.pid,
            status=status,
            cpu_percent=cpu_percent,
            rss_bytes=rss,
            uss_bytes=uss,
            open_fds=fds,
            threads=threads,
            established=established,
            ports=ports,
            took_s=time.monotonic() - started,
            stalled=status == psutil.STATUS_STOPPED,
            cfs_periods=None if throttling is None else throttling.periods,
            throttled_periods=None if throttling is None else throttling.throttled_periods,
            throttled_s=None if throttling is None else throttling.throttled_s,
            cpu_limit_cores=None if throttling is None else throttling.limit_cores,
        )

    def _connections(self, process: psutil.Process) -> tuple[tuple[int, ...], int | None]:
        ports = self._ports
        connections: Sequence[pconn | sconn]
        try:
            connections = process.net_connections(kind="tcp")
        except psutil.AccessDenied:
            if ports is None:
                return (), None
            # Another user's process: the host's table, matched by local port, holds the same sockets.
            connections = psutil.net_connections(kind="tcp")
        if ports is None:
            ports = tuple(
                sorted(
                    {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN and c.laddr} - self._exclude
                )
            )
        wanted = frozenset(ports)
        established = sum(
            1 for c in connections if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port in wanted
        )
        return ports, established


def _or_none(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except psutil.AccessDenied:
        return None
