"""What bench/scale.py reads from the tool's export, and the markdown it prints for bench/README.md. A file the
run did not write (a run stopped before its export) reads as empty: its figures print as "–"."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
NONE = "–"
# capacity.csv's columns that make the connections-against-latency curve (docs/capacity.md, "The idle regime").
CURVE = (
    "step",
    "users",
    "agents_running",
    "mediator_connections",
    "ping_p50_ms",
    "ping_p95_ms",
    "ping_p99_ms",
    "mediator_cpu_percent",
    "mediator_rss_bytes",
    "onboarding_per_s",
    "met",
    "broken",
)
# summary.json's mediator.cpu_breakdown (docs/metrics.md, "CPU breakdown"): the cost, its unit.
COSTS = (
    ("per_connection_ms_per_s", "ms/s per idle connection"),
    ("per_ping_ms", "ms per ping"),
    ("per_onboarding_ms", "ms per onboarding"),
    ("base_ms_per_s", "ms/s base"),
)


def read_json(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError:
        return []


def number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def fmt(value: float | None, digits: int = 0, unit: str = "") -> str:
    return NONE if value is None else f"{value:,.{digits}f}{unit}"


def mib(value: float | None) -> str:
    return NONE if value is None else f"{value / MIB:,.0f} MiB"


def kib(value: float | None) -> str:
    return NONE if value is None else f"{value / 1024:,.1f} KiB"


def capacity_result(export: Path) -> dict[str, Any]:
    """The verdict, the mediator's state at the knee, what its CPU went to and the curve, from one search."""
    summary = read_json(export / "summary.json")
    capacity = summary.get("capacity") or {}
    return {
        **{
            key: capacity.get(key)
            for key in ("users_held", "agents_held", "users_broken", "agents_broken", "broke_first", "broke_on")
        },
        "broken_levels": capacity.get("broken_levels"),
        "limited_by": capacity.get("limited_by"),
        "summary": capacity.get("summary"),
        "at_held": capacity.get("at_held"),
        "cpu_breakdown": (summary.get("mediator") or {}).get("cpu_breakdown"),
        "curve": [{key: row.get(key) for key in CURVE} for row in read_csv(export / "capacity.csv")],
    }


def cost(breakdown: dict[str, Any] | None, key: str) -> str:
    """`0.0123 ± 0.002`, or why the run cannot tell."""
    if not breakdown:
        return NONE
    value, error = breakdown.get(key), (breakdown.get("stderr") or {}).get(key)
    if value is None:
        return f"unknown ({(breakdown.get('why_not') or {}).get(key) or 'not computed'})"
    return f"{value:.4g}" + ("" if error is None else f" ± {error:.2g}")


def capacity_markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| mediator | wallets held | broke at | broke first | at the knee: connections | ping p95 | mediator CPU "
        "| mediator RSS | idle CPU per connection (ms/s) | CPU per ping (ms) | CPU per onboarding (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        knee, breakdown = r.get("at_held") or {}, r.get("cpu_breakdown")
        held = r.get("agents_held") if r.get("agents_held") is not None else r.get("users_held")
        broke = r.get("agents_broken") if r.get("agents_broken") is not None else r.get("users_broken")
        lines.append(
            f"| {r['label']} | **{fmt(held)}** | {fmt(broke)} | {r.get('broke_first') or NONE} "
            f"| {fmt(knee.get('mediator_connections'))} | {fmt(knee.get('ping_p95_ms'), 0, ' ms')} "
            f"| {fmt(knee.get('mediator_cpu_percent'), 0, ' %')} | {mib(knee.get('mediator_rss_bytes'))} | "
            + " | ".join(cost(breakdown, key) for key, _ in COSTS[:3])
            + " |"
        )
    for r in results:
        lines += ["", f"Connections against latency, {r['label']} (capacity.csv):", ""]
        lines += [
            "| step | users | agents running | connections | ping p50 | p95 | p99 | mediator CPU | mediator RSS "
            "| onboarded/s | met |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in r.get("curve") or []:
            cells = [row.get(key) or NONE for key in CURVE[:7]]
            lines.append(
                "| " + " | ".join(cells) + f" | {fmt(number(row.get('mediator_cpu_percent')), 0, ' %')} "
                f"| {mib(number(row.get('mediator_rss_bytes')))} | {fmt(number(row.get('onboarding_per_s')), 1)} "
                f"| {row.get('met') or NONE}{' (' + row['broken'] + ')' if row.get('broken') else ''} |"
            )
    return "\n".join(lines)


def in_window(rows: list[dict[str, str]], window: dict[str, Any]) -> list[dict[str, str]]:
    return [r for r in rows if (t := number(r.get("ts"))) is not None and window["from_ts"] <= t <= window["to_ts"]]


def report_sizes(export: Path, summary: dict[str, Any], window: dict[str, Any]) -> dict[str, Any]:
    """The workers' reports to the master, in bytes as sent (docs/metrics.md, "Workers by host"): the largest one
    and all workers' in a second, at their highest in the window (memory.csv) and over the run (summary.json's
    `workers`). None: not measured (a master of an older release)."""
    rows = in_window(read_csv(export / "memory.csv"), window)
    run = summary.get("workers") or {}

    def highest(column: str) -> float | None:
        return max((v for r in rows if (v := number(r.get(column))) is not None), default=None)

    return {
        "largest_in_window": highest("report_bytes_max"),
        "per_s_in_window": highest("report_bytes_per_s"),
        "largest_in_run": run.get("report_bytes_max"),
        "per_s_in_run": run.get("report_bytes_per_s_max"),
    }


def hold_result(export: Path, window: dict[str, Any]) -> dict[str, Any]:
    """The run's export read over the held window, beside the tool's own processes measured in it."""
    summary = read_json(export / "summary.json")
    requests = {row.get("name"): row for row in read_csv(export / "requests.csv")}
    ping = requests.get("ping_mediator") or {}
    mediator_rows = in_window(read_csv(export / "mediator.csv"), window)
    cpu = [v for r in mediator_rows if (v := number(r.get("cpu_percent"))) is not None]
    rss = [v for r in mediator_rows if (v := number(r.get("rss_bytes"))) is not None]
    connections = [v for r in mediator_rows if (v := number(r.get("connections"))) is not None]
    ping_p95s = [
        v
        for r in in_window(read_csv(export / "history.csv"), window)
        if r.get("name") == "ping_mediator" and (v := number(r.get("p95_ms"))) is not None
    ]
    lost = sum(
        int(number(r.get("occurrences")) or 0)
        for r in read_csv(export / "failures.csv")
        if r.get("type") == "user_lost"
    )
    processes = window["processes"]
    workers = {name: figures for name, figures in processes.items() if name.startswith("worker-")}
    workers_rss = sum(f["rss_max_bytes"] or 0 for f in workers.values())
    held = window["agents_end"]
    return {
        "window": window,
        "onboarding": summary.get("onboarding"),
        "agents": summary.get("agents"),
        "users_lost": lost,
        "starts": {name: requests.get(name) for name in ("agent_start", "agent_resume") if name in requests},
        "ping": {key: number(ping.get(key)) for key in ("count", "failures", "p50_ms", "p95_ms", "p99_ms")},
        "ping_p95_median_per_second_in_window": statistics.median(ping_p95s) if ping_p95s else None,
        "mediator_cpu_percent_mean": statistics.fmean(cpu) if cpu else None,
        "mediator_cpu_percent_max": max(cpu, default=None),
        "mediator_rss_bytes_max": max(rss, default=None),
        "mediator_connections_end": connections[-1] if connections else None,
        "cpu_breakdown": (summary.get("mediator") or {}).get("cpu_breakdown"),
        "workers_rss_bytes": workers_rss,
        "workers_rss_per_wallet_bytes": workers_rss / held if held else None,
        "per_agent_unique_bytes": (summary.get("memory") or {}).get("per_agent_unique_bytes"),
        "report_sizes": report_sizes(export, summary, window),
    }


def hold_markdown(r: dict[str, Any]) -> str:
    window, ping, onboarding, sizes = r["window"], r["ping"], r.get("onboarding") or {}, r["report_sizes"]
    processes = window["processes"]
    rows = [
        ("wallets asked / running at the window's end (fewest in it)", f"{r['wallets']:,} / {window['agents_end']:,} ({window['agents_fewest']:,})"),
        ("all running after", fmt(r["onboarded_in_s"], 0, " s") if r["onboarded_in_s"] is not None else "not within the timeout"),
        ("onboarded, failures, peak per s, p95", f"{fmt(onboarding.get('onboarded'))}, {fmt(onboarding.get('failures'))}, {fmt(onboarding.get('peak_per_s'), 1)}/s, {fmt(onboarding.get('p95_ms'), 0, ' ms')}"),
        ("Locust users lost", str(r["users_lost"])),
        ("pings over the run: count, failures", f"{fmt(ping['count'])}, {fmt(ping['failures'])}"),
        ("ping p50 / p95 / p99 over the run", " / ".join(fmt(ping[k], 0, " ms") for k in ("p50_ms", "p95_ms", "p99_ms"))),
        (f"ping p95 in the {window['seconds']:.0f} s window (median of its seconds)", fmt(r["ping_p95_median_per_second_in_window"], 0, " ms")),
        ("mediator connections at the window's end", fmt(r["mediator_connections_end"])),
        ("mediator CPU in the window, mean / max", f"{fmt(r['mediator_cpu_percent_mean'], 0, ' %')} / {fmt(r['mediator_cpu_percent_max'], 0, ' %')}"),
        ("mediator RSS, max in the window", mib(r["mediator_rss_bytes_max"])),
        *((f"mediator CPU {unit}", cost(r.get("cpu_breakdown"), key)) for key, unit in COSTS),
        *((f"tool: {name} CPU / RSS", f"{fmt(f['cpu_percent'], 1, ' %')} / {mib(f['rss_max_bytes'])}") for name, f in processes.items()),
        ("tool: workers' RSS per wallet running", fmt((r["workers_rss_per_wallet_bytes"] or 0) / 1024, 1, " KiB") if r["workers_rss_per_wallet_bytes"] else NONE),
        ("tool: unique memory per agent (the export's slope)", fmt((r["per_agent_unique_bytes"] or 0) / 1024, 1, " KiB") if r["per_agent_unique_bytes"] else NONE),
        ("tool: a worker's largest report / all workers' reports a second, highest in the window (in the run)", f"{kib(sizes['largest_in_window'])} / {kib(sizes['per_s_in_window'])}/s ({kib(sizes['largest_in_run'])} / {kib(sizes['per_s_in_run'])}/s)"),
    ]  # fmt: skip
    return "\n".join(["| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)])
