"""What shaped a run and where it ran: summary.json's `settings` and `host`, and histograms.json.

A comparison of two runs (core/compare/) reads them to tell whether the runs can be compared at all (the
same scenario and waits) and what differs between them (the release, the CPU limit, the host), and compares
whole response-time histograms rather than percentiles alone."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mediator_tui import __version__
from mediator_tui.core.config.schema import SETTINGS
from mediator_tui.core.metrics.snapshot import Snapshot

HISTOGRAMS_FILE = "histograms.json"
HISTOGRAMS_VERSION = 1
# The settings of these groups shape the load and the target; a URL, an invitation or a JSON value may carry a
# credential or a key, so none of those is kept whatever its group (nor, of course, a secret one).
_KEPT_GROUPS = ("target", "load", "agents")
_LEFT_OUT_KINDS = ("url", "invitation", "json")


def _plain(value: object) -> object:
    """A setting's validated value as JSON holds it; files by their name only (no machine path)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        return value.name
    paths = getattr(value, "paths", None)
    if paths is not None:
        return _plain(paths)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def run_settings(values: Mapping[str, Any], given: Mapping[str, object] | None = None) -> dict[str, Any]:
    """The non-secret settings that shaped the run, with `given` (the command line's users or run time, the
    embedded mediator's flavour and release) over the configured ones, and the tool's version."""
    kept = {
        s.key: _plain(values[s.key])
        for s in SETTINGS
        if s.key in values and s.group in _KEPT_GROUPS and not s.secret and s.kind not in _LEFT_OUT_KINDS
    }
    return {"tool_version": __version__, **kept, **{key: _plain(value) for key, value in (given or {}).items()}}


def host_facts() -> dict[str, Any]:
    """The host the tool ran on (where the embedded mediator ran too): cores, memory, CPU model, kernel."""
    return {
        "cores": os.cpu_count(),
        "memory_bytes": _meminfo_total(),
        "cpu_model": _cpu_model() or platform.processor() or None,
        "kernel": f"{platform.system()} {platform.release()}".strip() or None,
        "python": platform.python_version(),
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _meminfo_total() -> int | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            return int(parts[1]) * 1024 if len(parts) > 1 and parts[1].isdigit() else None
    return None


def _cpu_model() -> str | None:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith(("model name", "hardware")) and ":" in line:
            return line.split(":", 1)[1].strip() or None
    return None


def histograms_json(snapshot: Snapshot) -> str:
    """Every endpoint's cumulative response-time histogram and the delivery ledger's, as {bucket_ms: count}
    (Locust's rounded buckets); empty where the master serves none."""
    body = {
        "version": HISTOGRAMS_VERSION,
        "requests": [
            {"type": row.type, "name": row.name, "response_times": _buckets(row.response_times)}
            for row in (*snapshot.requests, snapshot.total)
        ],
        "delivery": _buckets(snapshot.delivery.latency_ms) if snapshot.delivery.known else None,
    }
    return json.dumps(body, indent=1, allow_nan=False) + "\n"


def _buckets(pairs: tuple[tuple[float, int], ...]) -> dict[str, int]:
    return {(str(int(ms)) if float(ms).is_integer() else str(ms)): count for ms, count in pairs}
