"""The seam between `LocalMediator` and a mediator implementation (ACA-Py or Credo).

A flavour knows how to install its runtime, the command line that serves DIDComm on
the given loopback ports, and how to talk to its admin interface. Everything else
(ports, process group, readiness, state, invitation rotation) is shared.
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass, field
from pathlib import Path

from mediator_tui.common.cached_install import Progress
from mediator_tui.core.mediator import jsonhttp
from mediator_tui.core.mediator.errors import MediatorAdminError, MediatorError
from mediator_tui.core.mediator.postgres import DatabaseLogin
from mediator_tui.core.mediator.process import HOST, Ports

OOB = "oob"
CONNECTIONS_V1 = "c_i"


@dataclass(frozen=True)
class MediatorCounts:
    """What the mediator holds for its clients; the start-up warm-up is left out."""

    active_connections: int
    granted_mediations: int
    keylist_routes: int


@dataclass(frozen=True)
class Endpoints:
    """The endpoints a mediator advertises: where its clients reach it, directly or through a proxy."""

    http: str
    ws: str


def direct_endpoints(ports: Ports) -> Endpoints:
    """Its own ports; MEDIATOR_HTTP_ENDPOINT or MEDIATOR_WS_ENDPOINT instead when clients reach it another way
    (the tests' fault proxy, tests/fixtures/tcp_proxy.py; from other hosts through a relay,
    tests/e2e/test_beyond_one_host.py)."""
    return Endpoints(
        os.environ.get("MEDIATOR_HTTP_ENDPOINT") or f"http://{HOST}:{ports.http}",
        os.environ.get("MEDIATOR_WS_ENDPOINT") or f"ws://{HOST}:{ports.ws}",
    )


@dataclass
class LaunchSpec:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # The variables of the tool's environment the mediator reads; with env and what any program needs
    # (common/child_env.SYSTEM), its whole environment: no secret of the tool's reaches it.
    passed: tuple[str, ...] = ()


class MediatorAdmin(abc.ABC):
    """The calls the tool makes on a running mediator's admin interface."""

    # Answers {"ready": true} once the mediator accepts clients.
    READY_PATH: str
    # Serves Prometheus text on the admin port, when the mediator has such an endpoint.
    METRICS_PATH: str | None = None

    def __init__(self, admin_url: str, kinds: tuple[str, ...]):
        self.admin_url = admin_url.rstrip("/")
        self.kinds = kinds

    @property
    def metrics_url(self) -> str | None:
        return self.admin_url + self.METRICS_PATH if self.METRICS_PATH else None

    def check_kind(self, kind: str) -> None:
        if kind not in self.kinds:
            raise MediatorError(
                f"this mediator cannot make {kind!r} invitations (it makes: {', '.join(self.kinds)})"
                + ("; use --flavour acapy-legacy for c_i" if kind == CONNECTIONS_V1 else "")
            )

    def ready(self) -> bool:
        """True once the mediator accepts clients; False (never an exception) while it starts."""
        try:
            answer = jsonhttp.call("GET", self.admin_url + self.READY_PATH, timeout=2.0)
        except MediatorAdminError:
            return False
        return bool(isinstance(answer, dict) and answer.get("ready"))

    @abc.abstractmethod
    def warm_up(self, timeout: float) -> None:
        """Do one mediation so concurrent first clients do not race on fresh-wallet state."""

    @abc.abstractmethod
    def create_invitation(self, kind: str = OOB) -> str:
        """A new multi-use invitation URL of `kind` (OOB or CONNECTIONS_V1)."""

    @abc.abstractmethod
    def counts(self) -> MediatorCounts:
        """Active connections, granted mediations and keylist routes held for clients."""


class MediatorFlavour(abc.ABC):
    name: str = ""
    invitation_kinds: tuple[str, ...] = (OOB,)
    # Can keep its wallet in PostgreSQL (`use_database`).
    postgres_capable: bool = False

    @abc.abstractmethod
    def installable(self) -> bool:
        """Installed already, or this machine has what installing it needs."""

    @abc.abstractmethod
    def needs(self) -> str:
        """What installing it needs, for messages (e.g. 'Python 3.13 or 3.12')."""

    @abc.abstractmethod
    def provision(self, progress: Progress | None = None) -> str:
        """Install the runtime if needed; returns a label such as 'acapy-agent==1.7.0 on Python 3.13'."""

    def use_database(self, login: DatabaseLogin) -> None:
        """Keep the wallet in the PostgreSQL cluster `login` reaches, from the next `launch_spec` on."""
        raise MediatorError(f"the {self.name} mediator cannot keep its wallet in PostgreSQL (the ACA-Py flavours can)")

    @abc.abstractmethod
    def launch_spec(self, ports: Ports, run_dir: Path, endpoints: Endpoints) -> LaunchSpec:
        """The command serving DIDComm on `ports` (loopback only), advertising `endpoints`, with its data kept
        in `run_dir`.

        Call `provision` first.
        """

    def with_flags(self, argv: list[str], flags: tuple[str, ...]) -> list[str]:
        """`argv` with the user's own flags (MEDIATOR_ARGS): after the tool's, so the user's value wins
        where a flag is given twice."""
        return [*argv, *flags]

    @abc.abstractmethod
    def admin(self, admin_url: str) -> MediatorAdmin: ...
