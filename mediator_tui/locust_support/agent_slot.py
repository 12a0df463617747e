"""One agent a user owns: started on demand, its death noticed and counted, restarted.

The tool we replace noticed a dead agent lazily (at its user's next task, minutes
later with long waits), restarted some scenarios silently with a new wallet and never
restarted others. Here an agent tells its worker of its death (`WorkerAgents.watch`)
the moment its engine notices, and the death is counted as a crash (reason, stderr
tail); the agent is shut down (its port released, its process reaped). The user's
next task starts a new one, timed as `agent_start`, and sets up its connections
again (`generation` changed).

A start that fails is retried after a pause (`StartBackoff`); the tasks in between
fail at once, saying so. A start waits for admission by the worker's onboarding gate first
(`OnboardingGate`): the wait is not timed, the onboarding from admission is (`agent_start`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from mediator_tui.agents.interface import Agent, AgentError, AgentLimitError, StartOptions
from mediator_tui.locust_support.onboarding_gate import Admission
from mediator_tui.locust_support.start_backoff import StartBackoff
from mediator_tui.locust_support.steps import DIDCOMM, run_step
from mediator_tui.locust_support.worker_agents import WorkerAgents

AgentFactory = Callable[[str, float], Agent]
NO_REASON = "agent died (its engine gave no reason)"


class AgentSlot:
    def __init__(
        self,
        worker: WorkerAgents,
        factory: AgentFactory,
        owner: str,
        options: StartOptions,
        engine: str,
        timeout: float,
    ):
        self.worker = worker
        self.factory = factory
        self.owner = owner
        self.options = options
        self.engine = engine
        self.timeout = timeout
        self.backoff = StartBackoff()
        self.agent: Agent | None = None
        self.port: int | None = None
        self.generation = 0  # bumps at every successful start
        self.restart_due = False

    def ensure(self, events) -> Agent:
        """A live agent, restarting a dead one first; `StepFailed` when it cannot start (or must wait)."""
        self.check()
        if self.agent is not None:
            return self.agent
        if self.backoff.waiting:
            return run_step(events, DIDCOMM, "agent_start", self._backing_off)
        admission = self.worker.onboarding.admit()
        return run_step(events, DIDCOMM, "agent_start", lambda: self._start(admission))

    def _backing_off(self) -> Agent:
        raise AgentError(f"{'restart' if self.restart_due else 'start'} backing off ({self.backoff.describe()})")

    def _start(self, admission: Admission) -> Agent:
        try:
            agent, port = self._new_agent()
        except AgentLimitError:
            admission.withdrawn()
            raise  # a local limit, not a failed start: nothing is asked of the mediator
        except Exception as exc:
            admission.failed()
            self.worker.counters.agent_start_failed()
            self.backoff.failed(str(exc))
            raise
        except BaseException:
            admission.withdrawn()  # the user was stopped mid-onboarding: no verdict on the mediator
            raise
        admission.succeeded()
        self.backoff.succeeded()
        self.agent, self.port = agent, port
        self.generation += 1
        self.worker.counters.agent_started(restart=self.restart_due)
        self.restart_due = False
        self.worker.watch(self)
        return agent

    def _new_agent(self) -> tuple[Agent, int | None]:
        if self.options.with_mediation and not self.options.mediation_url:
            raise AgentError("MEDIATION_URL is empty: mediated agents need the mediator's invitation URL")
        capacity = self.worker.capacity
        capacity.acquire()
        port = None
        agent = None
        try:
            port = None if self.options.with_mediation else self.worker.pool.acquire()
            agent = self.factory(self.engine, self.timeout)
            agent.start(dataclasses.replace(self.options, port=port))
        except BaseException:
            if agent is not None:
                agent.shutdown()
            if port is not None:
                self.worker.pool.release(port)
            capacity.release()
            raise
        return agent, port

    def check(self, reason: str = "") -> None:
        """A dead agent is counted now: with `reason` (a failed step's error), else the engine's.

        Called when the agent reports its death, before every task and after a failed step; only
        the first call after a death counts it."""
        agent = self.agent
        if agent is not None and not agent.alive:
            self.lost(agent, reason or self.crash_reason(agent) or NO_REASON)

    def lost(self, agent: Agent, reason: str) -> None:
        crash = {"user": self.owner, "reason": reason, "stderr_tail": agent.stderr_tail}
        # Before the release, which may yield: the user may start the next agent meanwhile.
        self.restart_due = True
        self._release(agent, crash)

    def shutdown(self) -> None:
        if self.agent is not None:
            self._release(self.agent, None)

    def _release(self, agent: Agent, crash: dict | None) -> None:
        # Taken from the slot at once: the shutdown below may yield to a user starting a new agent here.
        port, self.agent, self.port = self.port, None, None
        self.worker.live.discard(self)
        try:
            agent.shutdown()
        finally:
            if port is not None:
                self.worker.pool.release(port)
            self.worker.capacity.release()
            self.worker.counters.agent_gone(agent.reconnects, crash)

    @staticmethod
    def crash_reason(agent: Agent) -> str:
        return agent.crash_reason
