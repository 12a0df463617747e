"""Memory of agent processes: what each costs alone and what they share.

Linux splits a process's resident memory in `/proc/PID/status` into `RssAnon`
(heap and stacks: unique to the process), `RssFile` (mapped files such as the
node binary and native libraries: one copy in the page cache for all processes
that map them) and `RssShmem`. USS (pages only this process maps) and PSS (each
shared page divided among its users) come from `/proc/PID/smaps_rollup` through
psutil, where the caller may read it. Engine-neutral: any pid will do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psutil

_STATUS_FIELDS = {"RssAnon:": "rss_anon_bytes", "RssFile:": "rss_file_bytes", "RssShmem:": "rss_shmem_bytes"}


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    rss_anon_bytes: int
    rss_file_bytes: int
    rss_shmem_bytes: int
    uss_bytes: int | None = None
    pss_bytes: int | None = None

    @property
    def shared_bytes(self) -> int:
        return self.rss_file_bytes + self.rss_shmem_bytes


@dataclass(frozen=True)
class MemoryTotals:
    processes: int
    # Sum of RssAnon: what each process costs on its own.
    unique_bytes: int
    # The largest RssFile + RssShmem: processes running the same binary share these pages,
    # so summing would count one copy once per process.
    shared_bytes: int
    uss_bytes: int | None
    pss_bytes: int | None


def parse_status(text: str) -> dict[str, int]:
    """The Rss* lines of a `/proc/PID/status` text, in bytes (the kernel writes kB)."""
    values = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in _STATUS_FIELDS and parts[1].isdigit():
            values[_STATUS_FIELDS[parts[0]]] = int(parts[1]) * 1024
    return values


def read_process_memory(pid: int) -> ProcessMemory | None:
    """None when the process is gone (or not a Linux process we may read)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            values = parse_status(status.read())
    except OSError:
        return None
    if len(values) < len(_STATUS_FIELDS):
        return None  # a zombie has no memory lines
    try:
        uss, pss = unique_set(psutil.Process(pid))
    except psutil.Error:
        uss = pss = None
    return ProcessMemory(pid=pid, uss_bytes=uss, pss_bytes=pss, **values)


def unique_set(process: psutil.Process) -> tuple[int | None, int | None]:
    """(USS, PSS) of `process`; None for what cannot be read (another user's process, no smaps_rollup:
    PSS exists on Linux only)."""
    try:
        full = process.memory_full_info()
    except (psutil.AccessDenied, psutil.NoSuchProcess, OSError):
        return None, None
    return full.uss, getattr(full, "pss", None)


def summarise(samples: Iterable[ProcessMemory]) -> MemoryTotals:
    samples = list(samples)
    uss = [s.uss_bytes for s in samples]
    pss = [s.pss_bytes for s in samples]
    known = bool(samples)
    return MemoryTotals(
        processes=len(samples),
        unique_bytes=sum(s.rss_anon_bytes for s in samples),
        shared_bytes=max((s.shared_bytes for s in samples), default=0),
        uss_bytes=sum(u for u in uss if u is not None) if known and None not in uss else None,
        pss_bytes=sum(p for p in pss if p is not None) if known and None not in pss else None,
    )


def read_totals(pids: Iterable[int]) -> MemoryTotals:
    """Totals over the processes among `pids` still alive."""
    return summarise(s for s in (read_process_memory(pid) for pid in pids) if s is not None)
