"""The connections curve of a capacity search: each step's latency and the mediator's CPU and memory against
the connections the mediator held (`StepFigures.mediator_connections`, the probe's last reading of the step's
window). Without a probe that counts connections, the agents running stand in for them (each holds one
connection to the mediator), and without agent metrics the step's Locust users; the axis label says which.
The export's charts and the TUI's capacity chart take their x from here, so both plot against the same one.
"""

from __future__ import annotations

from collections.abc import Sequence

CONNECTIONS_X = "mediator TCP/websocket connections held"
AGENTS_X = "agents running (no connection count from the probe)"
USERS_X = "Locust users (no connection or agent count)"


def held_axis(steps: Sequence[tuple[int | None, int | None, int]]) -> tuple[str, list[float]]:
    """The label of the x axis and each step's x, for steps given as (mediator connections, agents running,
    Locust users): the first of these every step has, so that no two steps are placed on different scales."""
    for label, column in ((CONNECTIONS_X, 0), (AGENTS_X, 1)):
        held = [step[column] for step in steps]
        if held and all(value is not None for value in held):
            return label, [float(value) for value in held if value is not None]
    return USERS_X, [float(step[2]) for step in steps]
