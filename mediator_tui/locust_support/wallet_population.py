"""A worker's part of the wallet population (WALLET_POPULATION, `mediator_tui.core.population`).

Its share of the saved wallets (every n-th from its worker index, n workers on this host), handed out one per
agent slot in the order users start; and the wallets its agents onboarded, added to the file every few seconds
and when the test stops, so a run cut short keeps what it onboarded.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import gevent

from mediator_tui.core.mediator import EMBEDDED_MEDIATOR_ENV
from mediator_tui.core.population import (
    EmbeddedMediator,
    MediatorOfPopulation,
    PopulationError,
    add_wallets,
    embedded_mediator,
    invitation_endpoint,
    read_population,
    share_of,
)

log = logging.getLogger(__name__)
SAVE_EVERY_S = 3.0


class WorkerPopulation:
    def __init__(self, path: str, mediator: MediatorOfPopulation, worker_index: int, workers: int):
        self.path = path
        self.mediator = mediator
        try:
            population = read_population(path)
        except PopulationError as exc:  # the tool refuses such a file before the run; a worker started by hand
            log.error("wallet population: %s; its agents onboard", exc)
            population = None
        self._saved = list(share_of(population.wallets, worker_index, workers)) if population is not None else []
        self._pending: list[dict[str, Any]] = []
        self._saver: gevent.Greenlet[[], None] | None = None

    def next_saved(self) -> dict[str, Any] | None:
        """The next saved wallet of this worker's share; None once all are handed out (then agents onboard)."""
        return self._saved.pop(0) if self._saved else None

    def onboarded(self, wallet: dict[str, Any]) -> None:
        self._pending.append(wallet)
        if self._saver is None or self._saver.dead:
            self._saver = gevent.spawn_later(SAVE_EVERY_S, self.save)

    def save(self) -> None:
        """Add the wallets onboarded since the last save to the file."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            # In a thread of its own: waiting for another worker's lock or for the disk (the write is synced)
            # must not stop this worker's event loop, whose heartbeats keep it known to the master.
            gevent.get_hub().threadpool.apply(add_wallets, (self.path, self.mediator, pending))
        except (PopulationError, OSError) as exc:
            log.error("wallet population: %s", exc)  # names the file and the reason, never a wallet


def population_mediator(mediation_url: str) -> MediatorOfPopulation:
    """The mediator this worker's agents onboard with, as a population records it: the embedded mediator's
    flavour, ports and wallet folder come from the state the local run handed its workers. PopulationError
    when that state cannot be read (a worker never records its wallets against a mediator it cannot name)."""
    state = os.environ.get(EMBEDDED_MEDIATOR_ENV)
    return MediatorOfPopulation(invitation_endpoint(mediation_url), _embedded_of(state) if state else None)


def _embedded_of(state: str) -> EmbeddedMediator | None:
    def bad(what: str) -> PopulationError:
        return PopulationError(f"the embedded mediator's state in {EMBEDDED_MEDIATOR_ENV}: {what}")

    try:
        described = json.loads(state)
    except ValueError as exc:
        raise bad(f"not JSON ({exc})") from None
    if not isinstance(described, dict):
        raise bad("not an object")
    keys = {"flavour": "flavour", "wallet_dir": "run_dir", "ports": "ports", "storage": "storage"}
    return embedded_mediator({ours: described[theirs] for ours, theirs in keys.items() if theirs in described}, bad)
