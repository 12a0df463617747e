"""ACA-Py's admin API as a probe source: `/status` every tick, record counts every few seconds.

Both served versions (0.12.8 and 1.7.0) answer the same calls. 1.7.0 pages `/connections` and
`/mediation/keylists` (100 unless `limit=`, at most 10000) and 0.12.8 answers everything at once;
`all_records` walks either. Neither counts on the server, so a count is one list call per kind.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from mediator_tui.common.numbers import Reasons
from mediator_tui.core.mediator import jsonhttp
from mediator_tui.core.mediator.acapy import WARM_UP_ALIAS, all_records
from mediator_tui.core.mediator.errors import AdminTimeout, MediatorAdminError
from mediator_tui.core.metrics.probe_samples import AdminCounts, AdminStatus

TIMEOUT_S = 2.0
# A list walk with thousands of records is slower than a status call; it may take this long.
COUNTS_TIMEOUT_S = 5.0
# The most ACA-Py's admin API hands out per page: one call per kind up to 10000 records.
PAGE_SIZE = 10000

Sample = TypeVar("Sample", AdminStatus, AdminCounts)


class AdminReader:
    def __init__(
        self,
        admin_url: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = TIMEOUT_S,
        counts_timeout_s: float = COUNTS_TIMEOUT_S,
    ):
        self.admin_url = admin_url.rstrip("/")
        self._headers = dict(headers or {})
        self._timeout_s = timeout_s
        self._counts_timeout_s = counts_timeout_s

    def read_status(self) -> AdminStatus:
        return _timed(AdminStatus, self._status, self.admin_url, self._timeout_s)

    def read_counts(self) -> AdminCounts:
        return _timed(AdminCounts, self._counts, self.admin_url, self._counts_timeout_s)

    def _get(self, path: str, query: dict[str, Any] | None = None, timeout: float | None = None) -> dict[str, Any]:
        answer = jsonhttp.call(
            "GET", self.admin_url + path, query, timeout=timeout or self._timeout_s, headers=self._headers
        )
        if not isinstance(answer, dict):
            raise MediatorAdminError(f"GET {self.admin_url}{path}: answer is not a JSON object")
        return answer

    def _status(self) -> dict[str, Any]:
        answer = self._get("/status")
        conductor = answer.get("conductor")
        conductor = conductor if isinstance(conductor, dict) else {}
        reasons = Reasons()
        queued = [reasons.count(k, conductor.get(k)) for k in ("out_encode", "out_deliver")]
        version = answer.get("version")
        return {
            "version": version if isinstance(version, str) else None,
            "sessions": reasons.count("in_sessions", conductor.get("in_sessions")),
            "outbound_queued": None if None in queued else sum(q for q in queued if q is not None),
            "tasks_pending": reasons.count("task_pending", conductor.get("task_pending")),
            "unknown": reasons.all(),
        }

    def _counts(self) -> dict[str, Any]:
        def walk(path: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
            return all_records(
                lambda query: self._get(path, query, self._counts_timeout_s), path, params, key, PAGE_SIZE
            )

        connections = walk("/connections", {}, "connection_id")
        warm_up = {c["connection_id"] for c in connections if c.get("alias") == WARM_UP_ALIAS}
        by_state = Counter(c.get("state", "unknown") for c in connections if c["connection_id"] not in warm_up)
        # Mediation requests are never paged, in either version.
        granted = [
            m
            for m in self._get("/mediation/requests", {"state": "granted"}, self._counts_timeout_s)["results"]
            if m.get("role") == "server" and m.get("connection_id") not in warm_up
        ]
        routes = [
            r
            for r in walk("/mediation/keylists", {"role": "server"}, "record_id")
            if r.get("connection_id") not in warm_up
        ]
        return {
            "connections_by_state": MappingProxyType(dict(by_state)),
            "granted_mediations": len(granted),
            "keylist_routes": len(routes),
        }


def _timed(kind: type[Sample], read: Callable[[], dict[str, Any]], admin_url: str, limit_s: float) -> Sample:
    """`read()`'s fields as a `kind`, or its failure as one: never an exception. No answer in
    time, or an answer later than `limit_s`, is a stall."""
    started = time.monotonic()
    try:
        fields = read()
    except AdminTimeout as err:
        return kind(error=str(err), took_s=time.monotonic() - started, stalled=True)
    except MediatorAdminError as err:
        return kind(error=str(err), took_s=time.monotonic() - started)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        return kind(
            error=f"{admin_url}: not an ACA-Py admin answer ({type(err).__name__}: {err})",
            took_s=time.monotonic() - started,
        )
    took = time.monotonic() - started
    return kind(**fields, took_s=took, stalled=took > limit_s)
