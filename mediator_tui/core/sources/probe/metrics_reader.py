"""A Prometheus text endpoint as a probe source, parsed by prometheus_client's own parser.

The known series are the ones the project's Credo mediator serves (agent/mediator.js) and the
standard process collector's; any other series a user names is passed on as served.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import MappingProxyType
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from mediator_tui.common.http_request import printable
from mediator_tui.common.numbers import Reasons
from mediator_tui.core.mediator import jsonhttp
from mediator_tui.core.mediator.errors import AdminTimeout, MediatorAdminError
from mediator_tui.core.metrics.probe_samples import MetricsSample

TIMEOUT_S = 2.0

# sample name -> MetricsSample field; label sets of one name are summed (or, for an age, the oldest kept)
KNOWN_SERIES = {
    "mediator_live_sessions": "live_sessions",
    "mediator_sessions_opened_total": "sessions_opened",
    "mediator_sessions_closed_total": "sessions_closed",
    "mediator_queued_messages": "queued_messages",
    "mediator_queue_oldest_age_seconds": "queue_oldest_age_s",
    "mediator_outbound_delivery_seconds_sum": "outbound_latency_sum_s",
    "mediator_outbound_delivery_seconds_count": "outbound_latency_count",
    "process_cpu_seconds_total": "process_cpu_seconds",
    "process_resident_memory_bytes": "process_rss_bytes",
}
_OLDEST = frozenset({"queue_oldest_age_s"})


class MetricsReader:
    def __init__(self, url: str, names: Iterable[str] = (), timeout_s: float = TIMEOUT_S):
        self.url = url
        self.names = tuple(names)
        self._timeout_s = timeout_s

    def read(self) -> MetricsSample:
        started = time.monotonic()
        try:
            text = jsonhttp.fetch("GET", self.url, timeout=self._timeout_s).decode("utf-8")
        except AdminTimeout as err:
            return MetricsSample(error=str(err), took_s=time.monotonic() - started, stalled=True)
        except MediatorAdminError as err:
            return MetricsSample(error=str(err), took_s=time.monotonic() - started)
        except UnicodeDecodeError:
            return MetricsSample(error=f"GET {self.url}: answer is not text", took_s=time.monotonic() - started)
        took = time.monotonic() - started
        try:
            fields = parse(text, self.names)
        except Exception as err:  # the parser raises whatever a malformed line trips: never leave the probe
            return MetricsSample(
                error=f"GET {self.url}: not Prometheus text ({type(err).__name__}: {printable(str(err), 200)})",
                took_s=took,
            )
        if fields is None:
            return MetricsSample(error=f"GET {self.url}: answered no metrics", took_s=took)
        return MetricsSample(**fields, took_s=took, stalled=took > self._timeout_s)


def parse(text: str, names: Iterable[str] = ()) -> dict[str, Any] | None:
    """MetricsSample fields from an exposition; None when it holds no sample at all. A sample that is no
    usable number (NaN, infinite, absurdly large, or negative for a known series, all of which count up
    from zero) leaves its field unknown, the reason in `unknown`."""
    wanted = frozenset(names)
    known: dict[str, float | None] = {}
    extra: dict[str, float] = {}
    found: set[str] = set()
    reasons = Reasons()
    any_sample = False
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            any_sample = True
            field = KNOWN_SERIES.get(sample.name)
            if field is not None:
                value = reasons.amount(sample.name, sample.value)
                if value is None or known.get(field, 0.0) is None:
                    known[field] = None  # one unusable label set makes the whole figure unknown
                elif field not in known:
                    known[field] = value
                elif field in _OLDEST:
                    known[field] = max(known[field] or 0.0, value)
                else:
                    known[field] = (known[field] or 0.0) + value
            hit = {sample.name, family.name} & wanted
            if hit:
                found.update(hit)
                number = reasons.number(sample.name, sample.value)
                if number is not None:
                    extra[_series_key(sample.name, sample.labels)] = number
    if not any_sample:
        return None
    return {
        **known,
        "extra": MappingProxyType(extra),
        "missing": tuple(n for n in names if n not in found),
        "unknown": reasons.all(),
    }


def _series_key(name: str, labels: dict[str, str]) -> str:
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
