"""report.html: one self-contained page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

from html import escape
from typing import Any

from mediator_tui.common.byte_size import byte_size
from mediator_tui.core.export import svg
from mediator_tui.core.export.capacity import capacity_html
from mediator_tui.core.export.charts import report_charts
from mediator_tui.core.metrics.snapshot import Snapshot

STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1a7f37}.bad{color:#c62828;font-weight:bold}
.charts{display:flex;flex-wrap:wrap;gap:12px}pre{white-space:pre-wrap;margin:0;font-size:12px}
"""


def _cell(value: object) -> str:
    if value is None:
        return '<td class="n">–</td>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        return f'<td class="n">{text}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _throttled(mediator: dict[str, Any]) -> str | None:
    """mediator_throttled over the run and the seconds held back, with the limit; None: no cgroup counters read."""
    if mediator["throttled_percent"] is None:
        return None
    limit = "no limit" if mediator["cpu_limit_cores"] is None else f"limit {mediator['cpu_limit_cores']:g} cores"
    return f"{mediator['throttled_percent']:.1f} % ({mediator['throttled_s']:g} s), {limit}"


def report_html(snapshot: Snapshot, summary: dict[str, Any]) -> str:
    run = summary["run"]
    facts = [
        [key, run[key] if not isinstance(run[key], list) else ", ".join(run[key]) or "none"]
        for key in (
            "start",
            "end",
            "duration_s",
            "users",
            "workers",
            "missing_workers",
            "engine",
            "locustfiles",
            "target",
            "mode",
            "partial",
        )
    ]
    thresholds = "".join(
        f"<tr><td>{escape(t['expr'])}</td>{_cell(t['value'])}"
        f'<td class="{"ok" if t["ok"] else "bad"}">{"holds" if t["ok"] else "FAILED"}</td></tr>'
        for t in summary["thresholds"]
    )
    total = summary["total"]
    request_rows = [
        [r["type"], r["name"], r["count"], r["failures"], r["rps"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["max_ms"]]
        for r in summary["requests"] + [total]
    ]
    agents, ports, memory, mediator = summary["agents"], summary["ports"], summary["memory"], summary["mediator"]
    crashes = [[c.worker_id, c.user, c.reason, c.stderr_tail] for c in snapshot.agents.crash_log[-50:]]
    charts = "".join(svg.render(chart) for chart in report_charts(snapshot))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mediator-tui run report</title>
<style>{STYLE}</style></head><body>
<h1>Mediator load test — {escape(str(run["start"] or "not started"))}</h1>
{_table(["", ""], facts)}
<h2>Thresholds</h2>
{
        "<table><tr><th>expression</th><th>value</th><th>result</th></tr>" + thresholds + "</table>"
        if thresholds
        else "<p>none given</p>"
    }
{capacity_html(summary["capacity"]) if "capacity" in summary else ""}
<h2>Charts</h2>
<div class="charts">{charts}</div>
<h2>Requests</h2>
{_table(["type", "name", "count", "failures", "req/s (avg)", "p50 ms", "p95 ms", "p99 ms", "max ms"], request_rows)}
<h2>Failures</h2>
{
        _table(
            ["type", "name", "error", "occurrences"],
            [[f.type, f.name, f.error, f.occurrences] for f in snapshot.failures],
        )
    }
<h2>Agents</h2>
{
        _table(
            ["started", "running", "crashed", "restarted"],
            [[agents[k] for k in ("started", "running", "crashed", "restarted")]],
        )
    }
{_table(["worker", "user", "reason", "stderr (tail)"], crashes)}
<h2>Ports and memory</h2>
{_table(["port pool size", "in use (max)", "refused"], [[ports["size"], ports["in_use_max"], ports["refused"]]])}
{
        _table(
            ["agents", "unique", "shared", "unique per agent"],
            [
                [
                    memory["agents"],
                    byte_size(memory["unique_bytes"]),
                    byte_size(memory["shared_bytes"]),
                    byte_size(memory["per_agent_unique_bytes"]),
                ]
            ],
        )
    }
<h2>Mediator</h2>
{
        _table(
            [
                "read",
                "CPU max %",
                "throttled % (s)",
                "RSS max",
                "per connection",
                "connections max",
                "session gap max",
                "oldest queued s",
            ],
            [
                [
                    ", ".join(mediator["sources"]) or "nothing",
                    mediator["cpu_percent_max"],
                    _throttled(mediator),
                    byte_size(mediator["rss_bytes_max"]),
                    byte_size(mediator["bytes_per_connection"]),
                    mediator["connections_max"],
                    mediator["session_gap_max"],
                    mediator["queue_age_s_max"],
                ]
            ],
        )
    }
{_cpu_breakdown(snapshot, mediator)}
{_table(["source", "error"], [[e["source"], e["error"]] for e in mediator["errors"]])}
{_table(["unknown", "to read it"], [[u["figure"], u["enable"]] for u in mediator["unknown"]])}
</body></html>
"""


def _cpu_breakdown(snapshot: Snapshot, mediator: dict[str, Any]) -> str:
    """What the mediator's CPU went to (docs/metrics.md#cpu-breakdown), where the probe read its CPU."""
    if snapshot.mediator.cpu_percent_max is None:
        return ""
    return f"<p>Its CPU: {escape(mediator['cpu_breakdown']['said'])}</p>"
