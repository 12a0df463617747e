"""The run's logs in its export (`logs/`): each process's log file a run registered, its end only, scrubbed.

A run registers every log file of its processes by name (`LogTail.follow`: master, each worker, the embedded
mediator, and whatever else a run starts); each is copied as `logs/<file name>`, its last `LOG_TAIL_BYTES`
only, from the first whole line, with a first line saying how much was left out. Secrets are scrubbed with
the same redactor as every other export file, and each file is written whole or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from mediator_tui.common.byte_size import byte_size
from mediator_tui.core.atomic_file import write_text_atomic

LOGS_FOLDER = "logs"
# Enough for the last hours of a mediator at warning level, or the last minutes of a master at info, while ten
# workers' logs of a long run stay a few tens of MiB in all.
LOG_TAIL_BYTES = 4 * 1024 * 1024


def log_tail(path: Path, limit: int = LOG_TAIL_BYTES) -> str | None:
    """The end of `path` (at most `limit` bytes, from a line's start), headed by what was left out; None when the
    file cannot be read."""
    try:
        with open(path, "rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(max(0, size - limit))
            data = log.read(limit)
    except OSError:
        return None
    left_out = size - len(data)
    if left_out:
        # The cut falls inside a line: the export starts at the next whole one.
        newline = data.find(b"\n")
        if 0 <= newline < len(data) - 1:
            left_out += newline + 1
            data = data[newline + 1 :]
    text = data.decode("utf-8", errors="replace")
    if not left_out:
        return text
    return (
        f"[mediator-tui: the first {byte_size(left_out)} of this log are left out; "
        f"the export keeps the last {byte_size(limit)} of each log]\n" + text
    )


def write_logs(
    directory: Path,
    files: Iterable[tuple[str, Path]],
    redact: Callable[[str], str],
    limit: int = LOG_TAIL_BYTES,
) -> list[Path]:
    """Copy each registered (source, path) into `directory/logs/`; a log that cannot be read is left out."""
    written: list[Path] = []
    names: set[str] = set()
    for source, path in files:
        text = log_tail(path, limit)
        if text is None:
            continue
        # Two processes' logs of one name (a proxy's and a mediator's `mediator.log`) stay apart.
        name = path.name if path.name not in names else f"{source}-{path.name}"
        names.add(name)
        written.append(write_text_atomic(directory / LOGS_FOLDER / name, redact(text)))
    return written
