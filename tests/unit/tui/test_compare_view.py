"""`mediator-tui compare --tui`: the comparison's tables on screen, the same rows as the headless table."""

from __future__ import annotations

import asyncio
import random

from textual.widgets import DataTable

from mediator_tui.core.compare.gates import judge, parse_gate
from mediator_tui.core.compare.verdicts import compare
from mediator_tui.tui.compare_app import CompareApp
from tests.support.compare_runs import drawn_run


def test_the_view_shows_each_section_with_its_verdicts_and_the_gates_then_q_quits():
    rng = random.Random(8)
    comparison = compare(
        [drawn_run(rng)], [drawn_run(rng, latency_ms=200, settings={"MEDIATOR_CPU_LIMIT": 0.2})], replicates=200
    )
    app = CompareApp(comparison, [judge(parse_gate("p95(ping_mediator)>+10%"), comparison)])
    asyncio.run(_look(app))


async def _look(app: CompareApp) -> None:
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.pause(0.1)
        tables = list(app.screen.query(DataTable))
        rows = [[str(c) for c in t.get_row_at(i)] for t in tables for i in range(t.row_count)]
        assert ["MEDIATOR_CPU_LIMIT", "unset", "0.2"] in rows  # what differs
        p95 = [row for row in rows if row[0] == "p95"]
        assert len(p95) == 2 and all(row[-1] == "worse" for row in p95)  # all requests, then ping_mediator
        assert any(row[0] == "mediator CPU per request" for row in rows)
        assert ["p95(ping_mediator)>+10%", "FAILED", ""] in rows
        await pilot.press("q")
    assert app.return_value is None
