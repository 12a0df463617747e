"""The embedded mediator's PostgreSQL, read from its server log: the connections the server refused at its limit.

ACA-Py waits for a database connection its pool cannot get and answers its clients late or not at all, naming
no cause (its error is a timeout); the server logs each refusal (`FATAL:  sorry, too many clients already`,
https://www.postgresql.org/docs/15/runtime-config-connection.html). The reader follows the log from where it
left off, so each line is read once.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from mediator_tui.core.mediator.postgres import count_refusals, refusals_text
from mediator_tui.core.metrics.probe_samples import DatabaseSample

MAX_READ_BYTES = 1_000_000  # per reading: a flood of log lines cannot stall the probe
MAX_LINE_BYTES = 64 * 1024


class DatabaseReader:
    """Follows `log_path` from `offset` (where the cluster's current start began writing: a kept cluster's log
    holds its earlier runs' lines, whose refusals are not this run's)."""

    def __init__(self, log_path: Path, max_connections: int | None = None, offset: int = 0):
        self.log_path = log_path
        self.max_connections = max_connections
        self._offset = offset
        self._partial = b""
        self._refused = 0

    def read(self) -> DatabaseSample:
        started = time.monotonic()
        try:
            with open(self.log_path, "rb") as log:
                if log.seek(0, os.SEEK_END) < self._offset:  # made anew (the cluster's folder removed): from its start
                    self._offset, self._partial = 0, b""
                log.seek(self._offset)
                chunk = log.read(MAX_READ_BYTES)
        except OSError as err:
            return DatabaseSample(
                refused=self._refused,
                error=f"database: cannot read the PostgreSQL log {self.log_path} ({err.strerror or err})",
                took_s=time.monotonic() - started,
            )
        self._offset += len(chunk)
        *lines, partial = (self._partial + chunk).split(b"\n")
        self._partial = partial[-MAX_LINE_BYTES:]  # a line without an end is bounded too: a refusal's is short
        self._refused += count_refusals(lines)
        error = refusals_text(self._refused, self.max_connections) if self._refused else None
        return DatabaseSample(refused=self._refused, error=error, took_s=time.monotonic() - started)
