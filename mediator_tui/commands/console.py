"""What the provisioning commands (`mediator`, `agents`) print to the terminal: progress and errors on stderr,
so that stdout holds only their results."""

from __future__ import annotations

import sys


def progress(line: str) -> None:
    """One line of an install's progress, shown at once (an install runs for minutes)."""
    print(line, file=sys.stderr, flush=True)


def fail(err: Exception) -> int:
    """Say what went wrong; the command's exit code for it."""
    print(f"error: {err}", file=sys.stderr)
    return 1
