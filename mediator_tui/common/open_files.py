"""The open-file limit (RLIMIT_NOFILE) of this process, raised as far as it may go.

Both the embedded mediator (started with it, so that it can hold a connection per agent) and the
workers (before their first agent) raise it; a user otherwise meets it as `EMFILE` deep in a run.
"""

from __future__ import annotations

import resource

NR_OPEN_PATH = "/proc/sys/fs/nr_open"
_NR_OPEN_DEFAULT = 1 << 20


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # an unlimited hard limit still stops at the kernel's nr_open
    target = _nr_open() if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return target if soft == resource.RLIM_INFINITY else soft


def open_file_limit() -> int:
    """The soft RLIMIT_NOFILE in force; an unlimited one counts as the kernel's nr_open."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return _nr_open() if soft == resource.RLIM_INFINITY else soft


def _nr_open() -> int:
    try:
        with open(NR_OPEN_PATH) as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return _NR_OPEN_DEFAULT
