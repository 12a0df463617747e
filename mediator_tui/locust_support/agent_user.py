"""The base every scenario's Locust user derives from.

A user owns `agents_per_user` agents (slots). Each task begins with `self.agents()`,
which restarts any dead agent (a counted crash) and, after any (re)start, runs the
scenario's `prepare` (DIDComm connections it needs). Steps are timed with `didcomm` (agent
operations) and the issuer's admin calls each as their own `admin` row. A user that ends
without being asked to is a `user_lost` failure row and is replaced (`lost_users`).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from typing import Any

import gevent
from locust import User

from mediator_tui.agents.factory import create_agent
from mediator_tui.agents.interface import Agent, AgentCrashed, StartOptions
from mediator_tui.locust_support import (
    join_answer,  # noqa: F401  (answers workers joining from other hosts)
    metrics_plugin,  # noqa: F401  (registers the agent metrics on import)
)
from mediator_tui.locust_support.agent_slot import AgentSlot
from mediator_tui.locust_support.basic_messages import receive_content
from mediator_tui.locust_support.delivery_ledger import DeliveryLedger
from mediator_tui.locust_support.issuer_admin import IssuerAdmin
from mediator_tui.locust_support.lost_users import asked_to_stop, watch
from mediator_tui.locust_support.settings import ScenarioSettings, scenario_settings
from mediator_tui.locust_support.steps import ADMIN, DIDCOMM, StepFailed, run_step
from mediator_tui.locust_support.worker_agents import worker_agents

_user_numbers = itertools.count(1)


class AgentUser(User):
    abstract = True
    agents_per_user = 1
    # True: agents go through the mediator; False: they listen on a port of the pool;
    # None: as WITH_MEDIATION says.
    with_mediation: bool | None = True
    agent_factory: Callable[[str, float], Agent] = staticmethod(create_agent)

    def wait_time(self) -> float:
        return random.uniform(self.settings.min_wait, self.settings.max_wait)

    @property
    def settings(self) -> ScenarioSettings:
        return scenario_settings()

    def mediated(self) -> bool:
        return self.settings.with_mediation if self.with_mediation is None else self.with_mediation

    def on_start(self) -> None:
        self.slots: list[AgentSlot] = []
        watch(self, self._release_slots)
        settings = self.settings
        options = StartOptions(
            with_mediation=self.mediated(),
            mediation_url=settings.next_invitation(),
            agent_ip=settings.agent_ip,
            pickup_strategy=settings.pickup_strategy,
            reconnect_policy=settings.reconnect_policy,
        )
        number = next(_user_numbers)
        self.slots = [
            AgentSlot(
                worker_agents(),
                self.agent_factory,
                f"{type(self).__name__}-{number}" + (f"/{index}" if self.agents_per_user > 1 else ""),
                options,
                settings.engine,
                settings.timeout,
            )
            for index in range(self.agents_per_user)
        ]
        # Counted as held from now: the agents the run means to run (the Agents pane's target), up or not.
        worker_agents().counters.slots_held(len(self.slots))
        self._prepared_for: tuple[int, ...] | None = None
        self._admin: IssuerAdmin | None = None

    def on_stop(self) -> None:
        self._release_slots()

    def stop(self, force: bool = False) -> bool:
        asked_to_stop(self)  # the runner stops it: not a lost user
        return super().stop(force)

    def _release_slots(self) -> None:
        # Once: a lost user is released by `lost_users` as well as by its `on_stop` when Locust calls it.
        slots, self.slots = self.slots, []
        worker_agents().counters.slots_held(-len(slots))
        for slot in slots:
            slot.shutdown()

    def agents(self) -> list[Agent]:
        """This user's agents, alive and set up; a failure ends the task (`StepFailed`), already reported."""
        agents = [slot.ensure(self.environment.events) for slot in self.slots]
        generations = tuple(slot.generation for slot in self.slots)
        if generations != self._prepared_for:
            self.prepare(agents)
            self._prepared_for = generations
        return agents

    @property
    def agent(self) -> Agent:
        return self.agents()[0]

    def prepare(self, agents: list[Agent]) -> None:
        """Set up what the scenario needs after its agents (re)started; steps may fail (`StepFailed`)."""

    def didcomm(self, name: str, fn: Callable[[], Any], started: float | None = None) -> Any:
        try:
            return run_step(self.environment.events, DIDCOMM, name, fn, started)
        except StepFailed as failed:
            cause = failed.__cause__
            for slot in self.slots:
                slot.check(cause.reason if isinstance(cause, AgentCrashed) else str(cause or ""))
            raise

    def delivery(self, name: str, receive: Callable[[], Any], send: Callable[[], Any]) -> Any:
        """Time from `send()` to `receive()` returning what it sent (row `name`).

        The agent starts waiting before anything is sent, so an early arrival is not
        missed; if sending fails (already reported as its own row), nothing is timed.
        """
        waiter = gevent.spawn(_outcome, receive)
        gevent.sleep(0)
        started = time.perf_counter()
        try:
            send()
        except BaseException:
            waiter.kill()
            raise
        return self.didcomm(name, lambda: _unwrap(waiter.get()), started)

    @property
    def ledger(self) -> DeliveryLedger:
        return worker_agents().ledger

    def send_tracked(self, name: str, channel: str, receiver: Agent, send: Callable[[str], Any]) -> Any:
        """One message to `receiver`, followed by the delivery ledger: `send(content)` sends it on
        `channel` (the connection it goes over), and the time to its arrival is row `name`."""
        ledger = self.ledger
        content = ledger.tag(self.settings.message, channel)
        return self.delivery(
            name,
            lambda: receive_content(receiver, content, ledger.arrived),
            lambda: ledger.send(content, lambda: send(content)),
        )

    def connect_to_issuer(self, agent: Agent) -> tuple[str, str]:
        """A new DIDComm connection from the issuer's invitation: (the agent's connection id, the issuer's)."""
        admin = self.admin()
        invitation = admin.create_invitation()
        mine = self.didcomm("receive_invitation", lambda: agent.receive_invitation(invitation["invitation_url"]))
        return mine, admin.ready_connection(invitation["invi_msg_id"])

    def admin(self) -> IssuerAdmin:
        if self._admin is None:
            settings = self.settings
            self._admin = IssuerAdmin(
                settings.issuer_url, settings.issuer_headers, settings.timeout, step=self.admin_step
            )
        return self._admin

    def admin_step(self, name: str, fn: Callable[[], Any]) -> Any:
        return run_step(self.environment.events, ADMIN, name, fn)


def _outcome(fn: Callable[[], Any]) -> tuple[bool, Any]:
    # Returned rather than raised, so gevent does not print the waiter's failure as unhandled.
    try:
        return True, fn()
    except Exception as exc:
        return False, exc


def _unwrap(outcome: tuple[bool, Any]) -> Any:
    ok, value = outcome
    if not ok:
        raise value
    return value
