"""Everything one Locust process knows about its agents, and the report it sends the master.

One instance per process (`worker_agents()`): the users' slots update its counters,
the port pool is shared by all users of the process, every live agent tells it of its
death the moment its engine notices (between tasks too), the delivery ledger follows every
message the users send to their agents, and `report()` builds what the
worker sends the master (`mediator_tui.contracts.worker_report`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from functools import lru_cache

from mediator_tui.common.open_files import raise_open_file_limit
from mediator_tui.contracts.worker_report import PortsUse, WorkerReport
from mediator_tui.core.population import PopulationError
from mediator_tui.locust_support.agent_metrics import WorkerAgentCounters
from mediator_tui.locust_support.delivery_ledger import DeliveryLedger
from mediator_tui.locust_support.memory_probe import MemoryProbe
from mediator_tui.locust_support.onboarding_gate import OnboardingGate
from mediator_tui.locust_support.port_pool import PortPool, worker_slice, workers_per_host
from mediator_tui.locust_support.settings import scenario_settings
from mediator_tui.locust_support.timer_slack import allow_timer_slack
from mediator_tui.locust_support.wallet_population import WorkerPopulation, population_mediator
from mediator_tui.locust_support.worker_limits import AgentSlots, capacity, reported_limits

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 60.0  # VERIFIED_TIMEOUT_SECONDS's default, for a WorkerAgents made without settings


class WorkerAgents:
    def __init__(
        self,
        engine: str,
        port_range: tuple[int, int],
        configured_workers: int,
        ledger: DeliveryLedger | None = None,
        onboarding: OnboardingGate | None = None,
        population_path: str = "",
    ):
        self.engine = engine
        self.worker_id = f"{socket.gethostname()}_local"
        self.worker_index = 0
        self.port_range = port_range
        self.configured_workers = configured_workers
        self.workers = workers_per_host(configured_workers)
        self.counters = WorkerAgentCounters()
        self.ledger = ledger or DeliveryLedger(DEFAULT_TIMEOUT_S)
        self.onboarding = onboarding or OnboardingGate()  # admits this process's onboardings
        self.live: set = set()  # slots holding an agent; their agents give reconnects and pids
        self._pool: PortPool | None = None
        self._population_path = population_path
        self._population: WorkerPopulation | None = None
        self.memory = MemoryProbe(engine)
        self.capacity = self._capacity()

    def joined(self, worker_id: str, worker_index: int, forked_workers: int | None = None) -> None:
        """The master accepted this worker: its index (and how many share the host) decide its ports."""
        self.worker_id = worker_id
        self.worker_index = max(0, worker_index)
        self.workers = workers_per_host(self.configured_workers, forked_workers)

    @property
    def pool(self) -> PortPool:
        # Made on first use, after the master has told this worker its index.
        if self._pool is None:
            start, end = worker_slice(*self.port_range, self.worker_index, self.workers)
            self._pool = PortPool(start, end, name=f"port pool of worker {self.worker_index}")
        return self._pool

    @property
    def population(self) -> WorkerPopulation | None:
        """This worker's share of the wallet population; None without WALLET_POPULATION. Made on first use,
        after the master has told this worker its index."""
        if self._population is None and self._population_path:
            try:
                mediator = population_mediator(scenario_settings().mediation_url)
            except PopulationError as exc:
                log.error("wallet population: %s; this worker's agents onboard and are not saved", exc)
                self._population_path = ""
                return None
            self._population = WorkerPopulation(self._population_path, mediator, self.worker_index, self.workers)
        return self._population

    def save_population(self) -> None:
        if self._population is not None:
            self._population.save()

    def apply_limits(self) -> None:
        """Raise the open-files limit before any agent starts, then size this process's capacity.

        A native agent holds its socket and a local port in this process; a Credo agent
        holds three pipes here and its sockets in its own Node process. The agents' think-time timers
        may also fold their wake-ups together (see `mediator_tui.locust_support.timer_slack`).
        """
        allow_timer_slack()
        raise_open_file_limit()
        self.capacity = self._capacity()

    @property
    def _files_per_agent(self) -> int:
        return 3 if self.engine == "credo" else 1

    def _capacity(self) -> AgentSlots:
        ports = 0 if self.engine == "credo" else 1
        return AgentSlots(capacity(files_per_agent=self._files_per_agent, ports_per_agent=ports))

    def watch(self, slot) -> None:
        """`slot` holds a live agent now: its death is counted when its engine notices it, not at its next
        task. A callback, not a poll: checking thousands of agents twice a second cost about 1 % of a core."""
        self.live.add(slot)
        slot.agent.on_death(lambda: self._count_death(slot))

    @staticmethod
    def _count_death(slot) -> None:
        try:
            slot.check()
        except Exception:  # runs in a greenlet of its own, whose errors would otherwise go to stderr only
            log.exception("counting the death of the agent of %s failed", slot.owner)

    def shutdown_all(self) -> None:
        """Stop every agent still up (the process is quitting): no orphan agent processes."""
        for slot in list(self.live):
            slot.shutdown()
        self.save_population()

    def report(self) -> WorkerReport:
        agents = [slot.agent for slot in list(self.live) if slot.agent is not None]
        reconnects = sum(agent.reconnects for agent in agents)
        pids = [agent.pid for agent in agents if agent.pid]
        gate = self.onboarding.state()
        counts = dataclasses.replace(
            self.counters.agents_snapshot(reconnects),
            onboarding_waiting=gate.waiting,
            onboarding_in_flight=gate.in_flight,
            onboarding_cap=gate.cap,
        )
        return WorkerReport(
            worker_id=self.worker_id,
            ts=time.time(),
            engine=self.engine,
            agents=counts,
            crashes=tuple(self.counters.crashes),
            ports=PortsUse(**self.pool.snapshot()),
            memory=self.memory.sample(pids),
            limits=reported_limits(self.capacity.capacity, self._files_per_agent),
            host=socket.gethostname(),
            cpu_seconds=_cpu_seconds(),
            delivery=self.ledger.report(),
        )


def _cpu_seconds() -> float:
    # This process only: Locust's own `cpu_usage` is a 10 s sample taken at its own moments, which a
    # step's window of a capacity search neither starts nor ends with.
    times = os.times()
    return times.user + times.system


@lru_cache(maxsize=1)
def worker_agents() -> WorkerAgents:
    settings = scenario_settings()
    return WorkerAgents(
        settings.engine,
        (settings.start_port, settings.end_port),
        settings.workers_per_host,
        DeliveryLedger(settings.timeout),
        OnboardingGate(settings.onboarding_start, settings.onboarding_max, settings.onboarding_target_s),
        settings.wallet_population,
    )
