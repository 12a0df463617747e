"""A run as a comparison reads it back from its export folder (summary.json, the per-second CSVs and
histograms.json); `ExportError` names the file that is missing or cannot be read.

Only summary.json and history.csv are required: the mediator's, the delivery ledger's and the memory
readings are optional (a run without a probe or a ledger has none), and so is histograms.json (older
releases wrote none)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediator_tui.contracts.request_histograms import buckets_from_json
from mediator_tui.core.export.run_facts import HISTOGRAMS_FILE
from mediator_tui.core.metrics.snapshot import AGGREGATED, SeriesPoint

# mediator.csv's column of the share of CFS periods a CPU limit cut short (core/export/mediator_table.py); absent from
# exports made before the probe read throttling.
THROTTLING_COLUMN = "throttled_percent"


class ExportError(ValueError):
    """An export folder that cannot be compared: the message names the folder and the file."""


@dataclass(frozen=True)
class EndpointRun:
    type: str
    name: str
    count: int
    failures: int
    rps: float | None  # average over the run
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    seconds: tuple[SeriesPoint, ...] = ()  # history.csv's rows of this series
    response_times: dict[float, int] = field(default_factory=dict)  # cumulative at the end; {} when not kept

    @property
    def key(self) -> str:
        return f"{self.type} {self.name}" if self.type else self.name


@dataclass(frozen=True)
class MediatorSecond:
    t: float
    cpu_percent: float | None
    rss_bytes: float | None
    connections: float | None
    throttling: float | None = None


@dataclass(frozen=True)
class DeliverySecond:
    t: float
    sent_in_s: float
    delivered_in_s: float
    lost_in_s: float
    p95_ms: float | None


@dataclass(frozen=True)
class RunRecord:
    """One exported run: what shaped it, where it ran, and the figures a comparison reads."""

    folder: str
    settings: Mapping[str, Any]
    host: Mapping[str, Any]
    locustfiles: tuple[str, ...]
    partial: bool
    total: EndpointRun
    endpoints: tuple[EndpointRun, ...]
    mediator: tuple[MediatorSecond, ...] = ()
    throttling_column: str | None = None  # the mediator.csv column of the throttling readings, when there is one
    bytes_per_connection: float | None = None
    # The cores the mediator may use (summary.json's `mediator.cpu_cores_allowed`: its CPU limit, else the host's
    # cores); None when unknown. `cores_recorded`: the export has the field at all (older releases wrote none).
    cpu_cores_allowed: float | None = None
    cores_recorded: bool = False
    delivery: tuple[DeliverySecond, ...] = ()
    delivery_sent: int | None = None
    delivery_lost: int | None = None
    delivery_p95_ms: float | None = None
    agents_peak: int | None = None
    capacity: Mapping[str, Any] | None = None  # summary.json's `capacity` section of a capacity run


def load_run(folder: str | Path) -> RunRecord:
    """Read one export folder; ExportError (naming the file) when it is not a readable export."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExportError(f"{folder}: not a folder (give the folder a run exported into)")
    summary = _json_object(folder / "summary.json")
    run = _section(summary, "run", folder / "summary.json")
    history = _csv_rows(folder / "history.csv", required=True)
    histograms = _histograms(folder / HISTOGRAMS_FILE)
    seconds: dict[str, list[SeriesPoint]] = {}
    for row in history:
        seconds.setdefault(row.get("series", ""), []).append(_second(row))
    rows = [r for r in _list(summary.get("requests")) if isinstance(r, dict)]
    endpoints = tuple(_endpoint(r, seconds, histograms) for r in rows)
    total = _endpoint(
        {**_section(summary, "total", folder / "summary.json"), "type": "", "name": AGGREGATED}, seconds, histograms
    )
    mediator_rows = _csv_rows(folder / "mediator.csv")
    throttling = THROTTLING_COLUMN if mediator_rows and THROTTLING_COLUMN in mediator_rows[0] else None
    delivery = _section(summary, "delivery", folder / "summary.json", required=False)
    mediator = _section(summary, "mediator", folder / "summary.json", required=False)
    agents = _section(summary, "agents", folder / "summary.json", required=False)
    capacity = summary.get("capacity")
    return RunRecord(
        folder=str(folder),
        settings=_section(summary, "settings", folder / "summary.json", required=False),
        host=_section(summary, "host", folder / "summary.json", required=False),
        locustfiles=tuple(Path(str(name)).name for name in _list(run.get("locustfiles")) if name),
        partial=bool(run.get("partial")),
        total=total,
        endpoints=endpoints,
        mediator=tuple(
            MediatorSecond(
                t=_number(row.get("ts")) or 0.0,
                cpu_percent=_number(row.get("cpu_percent")),
                rss_bytes=_number(row.get("rss_bytes")),
                connections=_number(row.get("connections")),
                throttling=_number(row.get(throttling)) if throttling else None,
            )
            for row in mediator_rows
        ),
        throttling_column=throttling,
        bytes_per_connection=_number(mediator.get("bytes_per_connection")),
        cpu_cores_allowed=_positive(mediator.get("cpu_cores_allowed")),
        cores_recorded="cpu_cores_allowed" in mediator,
        delivery=tuple(
            DeliverySecond(
                t=_number(row.get("ts")) or 0.0,
                sent_in_s=_number(row.get("sent_in_s")) or 0.0,
                delivered_in_s=_number(row.get("delivered_in_s")) or 0.0,
                lost_in_s=_number(row.get("lost_in_s")) or 0.0,
                p95_ms=_number(row.get("p95_ms")),
            )
            for row in _csv_rows(folder / "delivery.csv")
        ),
        delivery_sent=_count(delivery.get("sent")),
        delivery_lost=_count(delivery.get("lost")),
        delivery_p95_ms=_number(delivery.get("p95_ms")),
        agents_peak=_count(agents.get("peak_running")),
        capacity=capacity if isinstance(capacity, dict) else None,
    )


def _json_object(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path}: missing (is {path.parent} a folder the tool exported a run into?)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ExportError(f"{path}: cannot be read ({error})") from None
    except (ValueError, RecursionError) as error:
        raise ExportError(f"{path}: not JSON ({error}); was the export cut short?") from None
    if not isinstance(body, dict):
        raise ExportError(f"{path}: not a JSON object, not a summary the tool wrote")
    return body


def _section(summary: Mapping[str, Any], name: str, path: Path, *, required: bool = True) -> dict[str, Any]:
    section = summary.get(name)
    if isinstance(section, dict):
        return section
    if required:
        raise ExportError(f"{path}: has no `{name}` section, not a summary the tool wrote")
    return {}


def _csv_rows(path: Path, *, required: bool = False) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as source:
            reader = csv.DictReader(source)
            rows = list(reader)
    except FileNotFoundError:
        if required:
            raise ExportError(f"{path}: missing (is {path.parent} a folder the tool exported a run into?)") from None
        return []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ExportError(f"{path}: cannot be read ({error})") from None
    if required and (reader.fieldnames is None or "series" not in reader.fieldnames):
        raise ExportError(f"{path}: has no `series` column, not a history the tool wrote")
    return rows


def _histograms(path: Path) -> dict[str, dict[float, int]]:
    """{series key: cumulative histogram}; {} when the file is absent (an export of an older release)."""
    if not path.exists():
        return {}
    entries = _json_object(path).get("requests")
    found = {}
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict):
            kind, name = str(entry.get("type") or ""), str(entry.get("name") or "")
            found[f"{kind} {name}" if kind else name] = buckets_from_json(entry.get("response_times"))
    return found


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(text: object) -> float | None:
    if text is None or isinstance(text, bool) or text == "":
        return None
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _positive(value: object) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _count(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number >= 0 else None


def _second(row: Mapping[str, str]) -> SeriesPoint:
    return SeriesPoint(
        t=_number(row.get("ts")) or 0.0,
        rps=_number(row.get("rps")) or 0.0,
        fail_per_s=_number(row.get("fail_per_s")) or 0.0,
        p50_ms=_number(row.get("p50_ms")),
        p95_ms=_number(row.get("p95_ms")),
        p99_ms=_number(row.get("p99_ms")),
    )


def _endpoint(
    row: Mapping[str, Any], seconds: Mapping[str, list[SeriesPoint]], histograms: Mapping[str, Any]
) -> EndpointRun:
    kind, name = str(row.get("type") or ""), str(row.get("name") or "")
    key = f"{kind} {name}" if kind else name
    return EndpointRun(
        type=kind,
        name=name,
        count=_count(row.get("count")) or 0,
        failures=_count(row.get("failures")) or 0,
        rps=_number(row.get("rps")),
        p50_ms=_number(row.get("p50_ms")),
        p95_ms=_number(row.get("p95_ms")),
        p99_ms=_number(row.get("p99_ms")),
        seconds=tuple(seconds.get(key, ())),
        response_times=dict(histograms.get(key, {})),
    )
