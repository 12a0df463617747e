"""A run on this host: the embedded mediator (when no MEDIATION_URL is given), one Locust master
and N workers, all children of the tool in one process group.

The master serves its web API on a free loopback port and is steered like an
attached one. Workers connect over loopback unless the master binds another
address (for workers on other hosts).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediator_tui.common import node_agent
from mediator_tui.common.bind_address import WILDCARD_BINDS, is_loopback
from mediator_tui.core.config import project_root
from mediator_tui.core.mediator.local import EMBEDDED_MEDIATOR_ENV
from mediator_tui.core.metrics.snapshot import Snapshot
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.population import kept_cluster_dir
from mediator_tui.core.processes import Child, ProcessError, ProcessGroup, free_loopback_ports
from mediator_tui.core.run.controller import RunController, RunError, RunLoad
from mediator_tui.core.run.join import check_bindable, primary_address, reachable_address, worker_command
from mediator_tui.core.run.mediator_facts import mediator_facts
from mediator_tui.core.run.population_setup import check_wallets_known, population_path, prepare_population
from mediator_tui.core.run.storm import SETTLE_TIMEOUT_S, StormDriver
from mediator_tui.core.run.target import describe_target
from mediator_tui.core.sources.master_api import MasterClient, MasterError

if TYPE_CHECKING:
    from mediator_tui.core.mediator import LocalMediator
    from mediator_tui.core.mediator.process import Ports

READY_TIMEOUT_S = 60.0
# Workers on other hosts are started by hand after the master prints how: minutes, not seconds.
REMOTE_READY_TIMEOUT_S = 600.0
# Locust reads LOCUST_<OPTION> from its environment; these settings of ours share its names, but
# the tool applies them through /swarm (and an empty LOCUST_RUN_TIME is an error to Locust).
# LOCUST_SPAWN_RATE stays: the capacity ramp on the master reads it, and a master with its web UI
# takes it only as the default of its start form.
LOCUST_READS = ("LOCUST_USERS", "LOCUST_RUN_TIME")


@dataclass
class LocalSpec:
    locustfiles: tuple[Path, ...]
    extra_args: tuple[str, ...] = ()
    workers: int = 0  # 0: one per core (none when remote workers are expected)
    remote_workers: int = 0  # workers on other hosts the master waits for (REMOTE_WORKERS)
    mediation_url: str = ""  # empty: start the embedded mediator
    mediator_flavour: str | None = None
    mediator_cpu_limit: float | None = None  # cores; None: no limit
    mediator_flags: tuple[str, ...] = ()  # MEDIATOR_ARGS
    mediator_proxy: str = "none"  # the reverse proxy in front of it: none or nginx
    mediator_proxy_idle_timeout_s: float | None = None  # None: the proxy's own default
    mediator_storage: str = "sqlite"  # or "postgres": its wallet in a private PostgreSQL cluster
    mediator_postgres_max_connections: int = 100  # that server's max_connections
    # Where the embedded mediator keeps its wallet (and its PostgreSQL cluster), kept after the run (a wallet
    # population's); None: a folder of its own, removed with it. `mediator_ports`: the ports it must take again (the saved wallets know them).
    mediator_wallet_dir: Path | None = None
    mediator_ports: Ports | None = None
    storm_after_s: float | None = None  # restart the embedded mediator this long after the swarm (STORM_AFTER)
    mediator_instances: int = 1  # 2: two ACA-Py processes on one PostgreSQL behind the proxy
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    master_bind_host: str = "127.0.0.1"
    master_bind_port: int = 0  # 0: a free port
    run_dir: Path | None = None
    ready_timeout_s: float = READY_TIMEOUT_S

    @property
    def worker_count(self) -> int:
        """Workers started on this host."""
        if self.workers or self.remote_workers:
            return self.workers
        return os.cpu_count() or 1

    def join_command(self, master_port: int, primary: Callable[[], str] = primary_address) -> str:
        """What starts workers for this run's master on another host; "" when none can join (a loopback bind)."""
        if not self.remote_workers and is_loopback(self.master_bind_host):
            return ""
        address = reachable_address(self.master_bind_host, primary)
        return worker_command(address, master_port, self.remote_workers or self.worker_count)


# (spec, progress) -> a started mediator
MediatorStarter = Callable[["LocalSpec", Callable[[str], None]], "LocalMediator"]


def _start_embedded_mediator(spec: LocalSpec, say: Callable[[str], None]) -> LocalMediator:
    # Imported here: a run against a given MEDIATION_URL needs none of the provisioning code.
    from mediator_tui.core.mediator import LocalMediator, MediatorError
    from mediator_tui.core.mediator.proxy import proxy_setting

    try:
        proxy = proxy_setting(spec.mediator_proxy, spec.mediator_proxy_idle_timeout_s)
        ports = spec.mediator_ports
        return LocalMediator(
            spec.mediator_flavour,
            progress=say,
            cpu_limit=spec.mediator_cpu_limit,
            proxy=proxy,
            storage=spec.mediator_storage,
            postgres_max_connections=spec.mediator_postgres_max_connections,
            instances=spec.mediator_instances,
            flags=spec.mediator_flags,
            run_dir=spec.mediator_wallet_dir,
            cluster_dir=kept_cluster_dir(spec.mediator_wallet_dir) if spec.mediator_wallet_dir else None,
            http_port=ports.http if ports else None,
            ws_port=ports.ws if ports else None,
            admin_port=ports.admin if ports else None,
        ).start()
    # a runtime that cannot be provisioned, a CPU limit that cannot be applied, a proxy that cannot be installed,
    # no PostgreSQL
    except MediatorError as err:
        raise RunError(f"the embedded mediator did not start: {err}") from None


class LocalRun(RunController):
    mode = "local"

    def __init__(
        self,
        spec: LocalSpec,
        load: RunLoad,
        *,
        redact: Callable[[str], str] = lambda text: text,
        poll_every_s: float = 1.0,
        probe_settings: Mapping[str, Any] | None = None,
        start_mediator: MediatorStarter = _start_embedded_mediator,
    ):
        self.spec = spec
        self.web_port, auto_bind_port = free_loopback_ports(2)
        self.master_port = spec.master_bind_port or auto_bind_port
        client = MasterClient(f"http://127.0.0.1:{self.web_port}")
        store = MetricStore("local", client.base_url)
        super().__init__(
            client, load, redact=redact, store=store, poll_every_s=poll_every_s, probe_settings=probe_settings
        )
        self.run_dir = spec.run_dir or Path(tempfile.mkdtemp(prefix="mediator-tui-run-"))
        self.group = ProcessGroup(watchdog=True)
        self.mediator: LocalMediator | None = None
        self._master: Child | None = None
        self._start_mediator = start_mediator
        self._prepared = False
        self._storm_cancel = threading.Event()
        self._storm_thread: threading.Thread | None = None
        store.describe_run(
            locustfiles=tuple(str(p) for p in spec.locustfiles),
            target=describe_target(spec.mediation_url),
            run_time_s=load.run_time_s,
        )
        # Said before the start, which waits for these workers: the headless run shows it while it waits.
        self.join_command = spec.join_command(self.master_port)
        if self.join_command:
            expected = f" (the master waits for {spec.remote_workers})" if spec.remote_workers else ""
            self.logs.say(f"workers on another host join with{expected}: {self.join_command}")

    def mediator_facts(self) -> dict[str, object]:
        return mediator_facts(self.mediator, external=bool(self.spec.mediation_url))

    # -- processes -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Start mediator, master and workers and wait until every worker has joined."""
        with self._lock:
            if self._prepared:
                return
            try:
                self._start_processes()
            except BaseException:
                self._end_processes()
                # A fresh group, so the user can fix the cause and start again.
                self.group, self._master = ProcessGroup(watchdog=True), None
                raise
            self._prepared = True
            self.poller.start()
            self._start_probe(self.mediator)

    def _credo_agent_dir(self) -> Path:
        """The Credo agent project, installed into the cache on first use (with progress in the logs)."""
        try:
            return node_agent.ensure(self.logs.say)
        except node_agent.NodeAgentError as err:
            raise RunError(f"AGENT_ENGINE=credo: {err}") from None

    def _start_processes(self) -> None:
        if not self.spec.locustfiles:
            raise RunError("no locustfile to run: set LOCUST_FILES or pass -f")
        unbindable = check_bindable(self.spec.master_bind_host)  # before anything starts
        if unbindable:
            raise RunError(f"MASTER_HOST={self.spec.master_bind_host} {unbindable}")
        # Before any process starts: a credo run without its agent project would fail every user.
        agent_dir = self._credo_agent_dir() if self.spec.env.get("AGENT_ENGINE") == "credo" else None
        population_file = population_path(self.spec.env)
        population = None
        if population_file is not None:
            self.spec, population = prepare_population(self.spec, population_file, self.logs.say)
        mediation_url = self.spec.mediation_url
        if mediation_url and self.spec.storm_after_s:
            raise RunError("STORM_AFTER restarts the embedded mediator: leave MEDIATION_URL empty to have one")
        if not mediation_url:
            self.logs.say("no MEDIATION_URL: starting the embedded mediator")
            self.mediator = mediator = self._start_mediator(self.spec, self.logs.say)
            self.logs.follow("mediator", mediator.log_path)
            if mediator.cluster is not None:
                self.logs.follow("mediator", mediator.cluster.log_path)
            if mediator.proxy is not None:  # its errors: upstreams refused or timed out (not each request)
                self.logs.follow("proxy", mediator.proxy.files.error_log)
            mediation_url = mediator.invitation_url
            self.store.describe_run(
                locustfiles=tuple(str(p) for p in self.spec.locustfiles),
                target=mediator.describe(),
                run_time_s=self.load.run_time_s,
            )
        env = {key: value for key, value in self.spec.env.items() if key not in LOCUST_READS}
        if self.mediator is not None:
            env[EMBEDDED_MEDIATOR_ENV] = json.dumps(self.mediator.to_state())
        if agent_dir is not None:
            env[node_agent.AGENT_DIR_ENV] = str(agent_dir)
        env["MEDIATION_URL"] = mediation_url
        # The workers split the population (and the port range) by their index among this many.
        env["LOCUST_WORKERS"] = str(self.spec.worker_count)
        env = locust_environment(env)
        if population_file is not None:
            env["WALLET_POPULATION"] = str(population_file)
            if population is not None:
                check_wallets_known(population, float(env.get("VERIFIED_TIMEOUT_SECONDS") or 60), env)
        common = ("-f", ",".join(str(p) for p in self.spec.locustfiles), *self.spec.extra_args)
        master_log = self.run_dir / "master.log"
        self._master = master = self.group.start(
            "master",
            locust_command(
                *master_args(self.spec.master_bind_host, self.master_port), *web_args(self.web_port), *common
            ),
            env=env,
            cwd=self.run_dir,
            log_path=master_log,
        )
        self.logs.follow("master", master_log)
        bind_host = self.spec.master_bind_host
        connect_host = "127.0.0.1" if bind_host in WILDCARD_BINDS or is_loopback(bind_host) else bind_host
        for index in range(self.spec.worker_count):
            worker_log = self.run_dir / f"worker-{index}.log"
            self.group.start(
                f"worker-{index}",
                locust_command(*worker_args(connect_host, self.master_port), *common),
                env=env,
                cwd=self.run_dir,
                log_path=worker_log,
            )
            self.logs.follow("worker", worker_log)
        self._wait_for_workers(master)

    def _wait_for_workers(self, master: Child) -> None:
        wanted = self.spec.worker_count + self.spec.remote_workers
        timeout_s = max(self.spec.ready_timeout_s, REMOTE_READY_TIMEOUT_S if self.spec.remote_workers else 0.0)
        deadline = time.monotonic() + timeout_s
        joined, last_error = 0, ""
        while time.monotonic() < deadline:
            if not master.alive():
                raise RunError("the Locust master exited during start; its log ends with:\n" + master.log_tail())
            try:
                joined = int(self.client.stats().get("worker_count") or 0)
            except MasterError as error:
                last_error = str(error)
            else:
                if joined >= wanted:
                    self.logs.say(f"master at {self.client.base_url} with {joined} workers")
                    return
            time.sleep(0.25)
        raise RunError(
            f"only {joined} of {wanted} workers joined the master within "
            f"{timeout_s:g} s {last_error}; master log ends with:\n" + master.log_tail()
        )

    # -- the reconnect storm ------------------------------------------------------------------------

    def start(self, *args: Any, **kwargs: Any) -> None:
        """As `RunController.start`; with STORM_AFTER, the storm is armed from the swarm's start."""
        super().start(*args, **kwargs)
        if self.spec.storm_after_s and self._storm_thread is None:
            self._storm_thread = threading.Thread(target=self._storm_later, name="reconnect-storm", daemon=True)
            self._storm_thread.start()

    def stop(self) -> None:
        """Stop the swarm; a reconnect storm under way is followed to its end first (its wallets must keep
        their load while they come back)."""
        thread = self._storm_thread
        if thread is not None and thread.is_alive():
            self.logs.say("waiting for the reconnect storm to end before stopping")
            thread.join(SETTLE_TIMEOUT_S + self.spec.ready_timeout_s + 120)
        super().stop()

    def _storm_later(self) -> None:
        if self._storm_cancel.wait(self.spec.storm_after_s) or self.mediator is None:
            return
        mediator = self.mediator
        self.logs.say(
            f"reconnect storm: restarting the embedded mediator under {self.snapshot().agents.running} wallets"
        )
        storm = StormDriver(
            lambda: self._restart_mediator(mediator),
            lambda: mediator.pid,
            self._read_fresh,
            report=self.store.feed_storm,
        ).run()
        times = ", ".join(
            f"{percent} % back after {'–' if s is None else f'{s:.1f} s'}" for percent, s in storm.back_after_s.items()
        )
        self.logs.say(f"reconnect storm: {storm.error or times}")

    def _restart_mediator(self, mediator: LocalMediator) -> None:
        mediator.restart()
        # The probe reads the process it was given: the restarted mediator is another one.
        if self.probe is not None:
            self.probe.stop()
            self.probe = None
        self._start_probe(mediator)

    def _read_fresh(self) -> Snapshot:
        self.refresh(2.0)
        return self.snapshot()

    def failure(self) -> str:
        if self._prepared and self._master is not None and not self._master.alive():
            return "the Locust master exited; its log ends with:\n" + self._master.log_tail()
        return ""

    def _end_processes(self) -> None:
        problems = []
        try:
            self.group.stop()
        except ProcessError as error:
            problems.append(str(error))
        if self.mediator is not None:
            try:
                self.mediator.stop()
            except Exception as error:  # the mediator's own errors; report, keep ending the rest
                problems.append(f"mediator: {error}")
            self.mediator = None
        if problems:
            raise RunError("; ".join(problems))

    def shutdown(self) -> None:
        """Stop the swarm and end every process of the run: master, workers, agents, mediator."""
        with self._lock:
            if self._shut:
                return
            self._storm_cancel.set()
            if self._prepared and self._master is not None and self._master.alive():
                try:
                    self.client.stop()
                except MasterError:
                    pass  # ending the processes stops the load anyway
            super().shutdown()
            try:
                self._end_processes()
            finally:
                if self.spec.run_dir is None:
                    shutil.rmtree(self.run_dir, ignore_errors=True)


# The Locust command lines and environment of a run's processes, also used by the tests that start
# a Locust of their own (a plain `locust -f`, a cluster to attach to): one way to start Locust.


def locust_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", *args]


def locust_environment(env: Mapping[str, str]) -> dict[str, str]:
    """`env` plus what every Locust process of ours needs."""
    return {
        **env,
        "PYTHONUNBUFFERED": "1",
        # Locustfiles and the group watchdog import this package, installed or not.
        "PYTHONPATH": os.pathsep.join(filter(None, (str(project_root()), env.get("PYTHONPATH")))),
    }


def web_args(port: int) -> tuple[str, ...]:
    """The web UI and API on loopback: the tool steers every master through it."""
    return ("--web-host", "127.0.0.1", "--web-port", str(port))


def master_args(bind_host: str, bind_port: int) -> tuple[str, ...]:
    return ("--master", "--master-bind-host", bind_host, "--master-bind-port", str(bind_port))


def worker_args(master_host: str, master_port: int) -> tuple[str, ...]:
    return ("--worker", "--master-host", master_host, "--master-port", str(master_port))
