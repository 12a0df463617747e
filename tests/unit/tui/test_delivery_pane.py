"""The Delivery pane shows the ledger's figures as the snapshot gives them, and says when there are none."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from mediator_tui.core.metrics.snapshot import DeliverySnapshot


def _summary(pilot) -> str:
    return str(pilot.app.screen.query_one("#delivery").query_one(".summary", Static).render())


def test_the_pane_shows_the_ledger_and_unknown_without_one(drive, control):
    async def steps(pilot):
        control.current = replace(control.current, delivery=DeliverySnapshot(known=False))
        pilot.app.pull_snapshot()
        await pilot.pause()
        assert "unknown: the master serves no delivery figures" in _summary(pilot)
        control.current = replace(
            control.current,
            delivery=DeliverySnapshot(
                known=True,
                sent=120,
                delivered=110,
                lost=7,
                in_flight=3,
                duplicated=2,
                late=1,
                out_of_order=4,
                p50_ms=35,
                p95_ms=480,
                p99_ms=12500,
            ),
        )
        pilot.app.pull_snapshot()
        await pilot.pause()
        text = _summary(pilot)
        for shown in (
            "sent 120",
            "delivered 110",
            "lost 7",
            "in flight 3",
            "duplicated 2",
            "late 1",
            "out of order 4",
            "p50 35 ms",
            "p95 480 ms",
            "p99 12.5 s",
        ):
            assert shown in text

    drive(steps)
