"""What the master serves on its request-histograms route (`GET /mediator-tui/requests`).

Locust's own `/stats/requests` is cached for 2 s and carries percentiles since the
start only. This route serves, uncached, each endpoint's counts and its cumulative
response-time histogram (Locust's buckets: milliseconds rounded as Locust rounds
them, and how many requests fell in each), so that a reader can subtract two of them
and get the exact percentiles of the interval between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediator_tui.contracts.fields import as_count, as_dict, as_int, as_number, as_text, dicts
from mediator_tui.contracts.version import check_version

VERSION = 1
PATH = "/mediator-tui/requests"


@dataclass(frozen=True)
class Histogram:
    method: str  # Locust's request type ("DIDComm", "HTTP"...); "" for the total
    name: str
    num_requests: int
    num_failures: int
    response_times: dict[float, int]  # {bucket_ms: requests}, cumulative

    def to_json(self) -> dict[str, Any]:
        # JSON keys are strings: a reader turns them back into numbers.
        return {
            "method": self.method,
            "name": self.name,
            "num_requests": self.num_requests,
            "num_failures": self.num_failures,
            "response_times": {str(ms): count for ms, count in self.response_times.items()},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Histogram:
        return cls(
            method=as_text(raw.get("method")),
            name=as_text(raw.get("name")),
            num_requests=as_count(raw.get("num_requests")),
            num_failures=as_count(raw.get("num_failures")),
            response_times=buckets_from_json(raw.get("response_times")),
        )


def buckets_from_json(raw: object) -> dict[float, int]:
    """A bucket whose key or count cannot be read is left out."""
    histogram = {}
    for key, count in as_dict(raw).items():
        ms, requests = as_number(_float(key)), as_int(count)
        if ms is not None and requests is not None:
            histogram[ms] = requests
    return histogram


def _float(key: str) -> float | None:
    try:
        return float(key)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class RequestHistograms:
    entries: tuple[Histogram, ...] = ()  # per endpoint
    total: Histogram | None = None  # all endpoints together (Locust's aggregated row)
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "entries": [e.to_json() for e in self.entries],
            "total": self.total.to_json() if self.total is not None else None,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RequestHistograms:
        """The route's body; `VersionMismatch` when the master is of another release."""
        check_version(raw, VERSION, "request histograms", "the master serves", "this mediator-tui")
        total = raw.get("total")
        return cls(
            entries=tuple(Histogram.from_json(e) for e in dicts(raw.get("entries"))),
            total=Histogram.from_json(total) if isinstance(total, dict) else None,
        )
