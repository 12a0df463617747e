"""The Mediator pane fed by a real probe pointed at a hostile server: no crash, each hostile source's error
shown, its markup shown literally and its control characters never reaching the terminal."""

from __future__ import annotations

import os
from dataclasses import replace

from mediator_tui.core.sources.probe import ProbeRunner, ProbeTarget
from mediator_tui.tui.panes.mediator import MediatorPane
from tests.fixtures.hostile_server import CONTROL, MARKUP, HostileServer
from tests.recording.replay import RUNNING_AT_S, replay


def test_the_pane_shows_a_hostile_probes_errors_literally_and_goes_on(drive, control):
    store, clock = replay(until_s=RUNNING_AT_S, probe=False)
    with HostileServer(lifetime_s=60) as hostile:
        target = ProbeTarget(pid=os.getpid(), admin_url=hostile.url + "/error", metrics_url=hostile.url + "/metrics")
        runner = ProbeRunner(target, lambda sample: None)
        for _ in range(3):
            clock.t += 1.0
            store.feed_probe(replace(runner.tick(), at=clock.t))  # on the replay's clock
    control.current = store.snapshot()

    async def steps(pilot):
        pilot.app.pull_snapshot()
        await pilot.pause()
        pane = pilot.app.screen.query_one(MediatorPane)
        text = str(pane.query_one(".summary").render())
        assert f"admin status: GET {hostile.url}/error/status: HTTP 500 {MARKUP}" in text
        assert "metrics figures: unknown: mediator_live_sessions: nan is not a finite number" in text
        assert "CPU " in text  # the local process, read on
        assert CONTROL not in text and "\x1b" not in text

    drive(steps, size=(220, 60))
