"""One agent a user owns: started on demand, its death noticed and counted, restarted.

The tool we replace noticed a dead agent lazily, restarted some scenarios silently
with a new wallet and never restarted others. Here every task first asks its slot
for a live agent: a dead one is counted as a crash (reason, stderr tail), shut down
(its port released, its process reaped) and a new one started, timed as
`agent_start`; the user then sets up its connections again (`generation` changed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from mediator_tui.agents.interface import Agent, AgentError, CapacityError, StartOptions
from mediator_tui.locust_support.steps import DIDCOMM, run_step
from mediator_tui.locust_support.worker_agents import WorkerAgents

AgentFactory = Callable[[str, float], Agent]
DIED_BETWEEN_TASKS = "agent found dead before its next task"


class AgentSlot:
    def __init__(self, worker: WorkerAgents, factory: AgentFactory, owner: str, options: StartOptions,
                 engine: str, timeout: float):
        self.worker = worker
        self.factory = factory
        self.owner = owner
        self.options = options
        self.engine = engine
        self.timeout = timeout
        self.agent: Agent | None = None
        self.port: int | None = None
        self.generation = 0  # bumps at every successful start
        self.restart_due = False

    def ensure(self, events) -> Agent:
        """A live agent, restarting a dead one first; `StepFailed` when it cannot start."""
        if self.agent is not None and self.agent.alive:
            return self.agent
        if self.agent is not None:
            self.lost(self.crash_reason(self.agent) or DIED_BETWEEN_TASKS)
        return run_step(events, DIDCOMM, "agent_start", self._start)

    def _start(self) -> Agent:
        if self.options.with_mediation and not self.options.mediation_url:
            self.worker.counters.agent_start_failed()
            raise AgentError("MEDIATION_URL is empty: mediated wallets need the mediator's invitation URL")
        capacity = self.worker.capacity
        capacity.acquire()
        port = None
        agent = None
        try:
            port = None if self.options.with_mediation else self.worker.pool.acquire()
            agent = self.factory(self.engine, self.timeout)
            agent.start(dataclasses.replace(self.options, port=port))
        except BaseException as exc:
            if agent is not None:
                agent.shutdown()
            if port is not None:
                self.worker.pool.release(port)
            capacity.release()
            if isinstance(exc, Exception) and not isinstance(exc, CapacityError):
                self.worker.counters.agent_start_failed()
            raise
        self.agent, self.port = agent, port
        self.generation += 1
        self.worker.counters.agent_started(restart=self.restart_due)
        self.restart_due = False
        self.worker.live.add(self)
        return agent

    def check(self, reason: str = "") -> None:
        """After a failed step: an agent that died in it is counted now, with the step's error as reason."""
        if self.agent is not None and not self.agent.alive:
            self.lost(reason or self.crash_reason(self.agent) or "agent died during a task")

    def lost(self, reason: str) -> None:
        agent = self.agent
        crash = {"user": self.owner, "reason": reason, "stderr_tail": str(getattr(agent, "stderr_tail", "") or "")}
        self._release(crash)
        self.restart_due = True

    def shutdown(self) -> None:
        if self.agent is not None:
            self._release(None)

    def _release(self, crash: dict | None) -> None:
        agent, self.agent = self.agent, None
        self.worker.live.discard(self)
        try:
            agent.shutdown()
        finally:
            if self.port is not None:
                self.worker.pool.release(self.port)
                self.port = None
            self.worker.capacity.release()
            self.worker.counters.agent_gone(int(getattr(agent, "reconnects", 0) or 0), crash)

    @staticmethod
    def crash_reason(agent: Agent) -> str:
        return str(getattr(agent, "crash_reason", "") or "")
