"""The connections curve in the export of a capacity search: capacity.csv's ping percentiles and connections,
report.html's charts of ping latency and of the mediator's CPU and memory against the connections held."""

import csv
import dataclasses
import json

from mediator_tui.core.capacity.curve import AGENTS_X, CONNECTIONS_X, USERS_X
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.capacity.outcome import CapacityOutcome
from mediator_tui.core.capacity.search import CapacitySearch
from mediator_tui.core.export import write_export
from mediator_tui.core.export.capacity import capacity_charts
from tests.recording.replay import ended_run
from tests.support.capacity_fakes import idle_plan, step

MIB = 1024 * 1024
IDLE_PLAN = idle_plan(max_users=3000)


def idle_step(users, index, connections=True, agents=True):
    """A step of idle wallets: the mediator holds a connection per agent plus the tool's own three, its
    memory grows by 40 KiB a connection over 100 MiB, its CPU by 1 % a hundred connections."""
    figures = dataclasses.replace(
        step(users, p95=20.0 + users / 100, index=index),
        mediator_connections=users + 3 if connections else None,
        mediator_rss_bytes=100 * MIB + users * 40 * 1024,
        mediator_cpu_percent=users / 100,
    )
    return figures if agents else dataclasses.replace(figures, agents_target=None, agents_running=None)


def export(tmp_path, **kinds):
    search = CapacitySearch(IDLE_PLAN.targets(), parse_levels([]))
    users = IDLE_PLAN.start
    while users is not None:
        search.record(idle_step(users, len(search.steps), **kinds))
        users = search.next_users()
    write_export(tmp_path, ended_run(), capacity=CapacityOutcome(IDLE_PLAN, parse_levels([]), None, search.verdict()))
    section = json.loads((tmp_path / "summary.json").read_text())["capacity"]
    return section, {c.title: c for c in capacity_charts(section)}


def test_the_curve_plots_ping_percentiles_cpu_and_memory_against_the_connections_the_mediator_held(tmp_path):
    section, charts = export(tmp_path)
    latency = charts["Capacity: ping latency against connections held"]
    assert (latency.unit, latency.x_label) == ("ms", CONNECTIONS_X)
    assert {line.label: line.points for line in latency.lines} == {
        "ping p50": ((1003.0, 10.0), (2003.0, 13.333), (3003.0, 16.667)),  # as summary.json rounds them
        "ping p95": ((1003.0, 30.0), (2003.0, 40.0), (3003.0, 50.0)),
        "ping p99": ((1003.0, 45.0), (2003.0, 60.0), (3003.0, 75.0)),
    }
    memory = charts["Capacity: mediator memory against connections held"]
    assert memory.unit == "MiB"
    assert memory.lines[0].points == (
        (1003.0, 100 + 1000 * 40 / 1024),
        (2003.0, 100 + 2000 * 40 / 1024),
        (3003.0, 100 + 3000 * 40 / 1024),
    )
    cpu = charts["Capacity: mediator CPU against connections held"]
    assert cpu.lines[0].points == ((1003.0, 10.0), (2003.0, 20.0), (3003.0, 30.0))
    report = (tmp_path / "report.html").read_text()
    assert 'aria-label="Capacity: ping latency against connections held"' in report
    assert f">{CONNECTIONS_X}</text>" in report
    assert "each step measured once its agents are onboarded" in report  # the plan says the computed hold
    assert section["plan"]["hold"].endswith(
        "120 s at 3,000 users: every user pings at least once (waits up to 120 s; 200 pings take 6 s)"
    )
    with (tmp_path / "capacity.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["mediator_connections"], r["ping_p50_ms"], r["ping_p95_ms"], r["ping_p99_ms"]) for r in rows] == [
        ("1003", "10", "30", "45"),
        ("2003", "13.333", "40", "60"),
        ("3003", "16.667", "50", "75"),
    ]


def test_without_a_connection_count_the_agents_running_stand_in_and_the_axis_says_so(tmp_path):
    _, charts = export(tmp_path, connections=False)
    latency = charts["Capacity: ping latency against connections held"]
    assert latency.x_label == AGENTS_X
    assert [x for x, _ in latency.lines[1].points] == [1000.0, 2000.0, 3000.0]


def test_without_connections_or_agents_the_steps_users_are_the_x(tmp_path):
    _, charts = export(tmp_path, connections=False, agents=False)
    assert charts["Capacity: mediator CPU against connections held"].x_label == USERS_X
