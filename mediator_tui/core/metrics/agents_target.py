"""The agents a run means to run: the users asked for, times the agents each user holds.

A scenario's user may hold more than one agent (`agents_per_user`: two in the deliver and offline
scenarios, none in liveness), and a run may mix scenarios, so the users asked for are not the agents.
Workers report the agent slots their users hold (`AgentCounts.slots`), in the same report as Locust's
user count; their ratio, kept from the last reading that had users, scales the users asked for (it is
exact once the ramp has started every user, and stays after the users stop).
"""

from __future__ import annotations

from mediator_tui.contracts.agents_view import AgentsView


class AgentsTarget:
    def __init__(self) -> None:
        self._per_user: float | None = None  # None: no worker said yet

    def add(self, users: int, view: AgentsView | None) -> None:
        slots = view.total.agents.slots if view is not None else 0
        # A worker of a release without `slots` reads as 0; so does a scenario without agents, whose
        # target is then the users, as before the field existed.
        if users > 0 and slots > 0:
            self._per_user = slots / users

    @property
    def per_user(self) -> float | None:
        """Agents each Locust user holds, on average; None until a worker said."""
        return self._per_user

    def of(self, target_users: int) -> int:
        return target_users if self._per_user is None else round(target_users * self._per_user)
