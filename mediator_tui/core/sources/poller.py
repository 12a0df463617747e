"""A thread that reads the master (and this host's memory) about once a second and feeds the metric store.

A master that cannot be read is retried with growing pauses (1 s doubling to
15 s); its error text goes to the store for the status line. Nothing here
raises into the caller, and no exception ends the thread: the status line
shows it and polling goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from mediator_tui.core.metrics.memory import HostMemory, read_host_memory
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.sources.master_api import MasterClient, MasterError

POLL_EVERY_S = 1.0
MAX_BACKOFF_S = 15.0


class Poller:
    def __init__(
        self,
        client: MasterClient,
        store: MetricStore,
        every_s: float = POLL_EVERY_S,
        max_backoff_s: float = MAX_BACKOFF_S,
        host_memory: Callable[[], HostMemory | None] = read_host_memory,
    ):
        self._client = client
        self._host_memory = host_memory
        self._store = store
        self._every_s = every_s
        self._max_backoff_s = max_backoff_s
        self._stop = threading.Event()
        self._polled = threading.Condition()
        self._polls = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="master-poller", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def poll_once(self) -> bool:
        """Read the master once; True when it answered."""
        try:
            self._store.feed_host_memory(self._host_memory())
            histograms = self._client.histograms()
            agents = self._client.agents()
            stats = self._client.stats()
            self._store.feed(stats, agents, histograms)
            ok = True
        except MasterError as error:
            self._store.feed_error(str(error), lasting=error.lasting)
            ok = False
        except Exception as error:  # a dead poller would freeze the dashboard without a word
            self._store.feed_error(f"cannot read the master's figures: {type(error).__name__}: {error}")
            ok = False
        with self._polled:
            self._polls += 1
            self._polled.notify_all()
        return ok

    def wait_for_poll(self, timeout_s: float) -> bool:
        """Block until the next poll has fed the store (so a caller's snapshot is fresh)."""
        with self._polled:
            seen = self._polls
            return self._polled.wait_for(lambda: self._polls > seen, timeout_s)

    def _run(self) -> None:
        backoff = self._every_s
        while not self._stop.is_set():
            started = time.monotonic()
            if self.poll_once():
                backoff = self._every_s
                pause = max(0.0, self._every_s - (time.monotonic() - started))
            else:
                pause = backoff
                backoff = min(backoff * 2, self._max_backoff_s)
            self._stop.wait(pause)
