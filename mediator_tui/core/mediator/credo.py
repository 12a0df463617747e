"""A stock Credo-ts mediator as the local mediator: the `credo` flavour.

It runs `agent/mediator.js` (Credo's mediator module with message pickup v1/v2,
live mode included) on loopback from the same installed agent project as the credo
engine (`mediator_tui.common.node_agent`: in place, or a copy in the cache),
so both engines can be tested against a second mediator implementation. Its
admin interface is the script's own: `/ready`, `/invitation`, `/counts`, and `/metrics`
(Prometheus text: live sessions, queued messages and their age, for the mediator probe).
"""

from __future__ import annotations

from pathlib import Path

from mediator_tui.common import node_agent
from mediator_tui.common.cached_install import Progress
from mediator_tui.core.mediator import jsonhttp
from mediator_tui.core.mediator.errors import ProvisionError
from mediator_tui.core.mediator.flavour import (
    OOB,
    Endpoints,
    LaunchSpec,
    MediatorAdmin,
    MediatorCounts,
    MediatorFlavour,
)
from mediator_tui.core.mediator.process import Ports

CREDO_VERSION = "0.5.19"


class CredoMediatorAdmin(MediatorAdmin):
    READY_PATH = "/ready"
    METRICS_PATH = "/metrics"

    def warm_up(self, timeout: float) -> None:
        """Nothing to warm: Credo creates its routing keys when it starts, so first clients do not race."""

    def create_invitation(self, kind: str = OOB) -> str:
        self.check_kind(kind)
        url: str = jsonhttp.call("POST", f"{self.admin_url}/invitation", body={})["invitation_url"]
        return url

    def counts(self) -> MediatorCounts:
        answer = jsonhttp.call("GET", f"{self.admin_url}/counts")
        return MediatorCounts(
            active_connections=int(answer["active_connections"]),
            granted_mediations=int(answer["granted_mediations"]),
            keylist_routes=int(answer["keylist_routes"]),
        )


class CredoMediatorFlavour(MediatorFlavour):
    name = "credo"
    invitation_kinds = (OOB,)

    def installable(self) -> bool:
        return node_agent.readiness().state != node_agent.IMPOSSIBLE

    def needs(self) -> str:
        return f"{node_agent.NODE_NEEDED} and the {node_agent.ASKAR_WHEEL} wheel"

    def provision(self, progress: Progress | None = None) -> str:
        """The agent project installed (into the cache on first use), as the credo engine uses it."""
        try:
            node_agent.ensure(progress)
            node_agent.askar_library_dir()
            return f"Credo {CREDO_VERSION} mediator on Node {node_agent.node_version()}"
        except node_agent.NodeAgentError as err:
            raise ProvisionError(f"credo mediator: {err}") from None

    def launch_spec(self, ports: Ports, run_dir: Path, endpoints: Endpoints) -> LaunchSpec:
        try:
            argv = [node_agent.node_binary(), str(node_agent.script("mediator.js"))]
            askar = node_agent.askar_environment()
        except node_agent.NodeAgentError as err:
            raise ProvisionError(f"credo mediator: {err}") from None
        return LaunchSpec(
            argv=argv,
            env={
                "MEDIATOR_HTTP_PORT": str(ports.http),
                "MEDIATOR_WS_PORT": str(ports.ws),
                "MEDIATOR_ADMIN_PORT": str(ports.admin),
                "MEDIATOR_HTTP_ENDPOINT": endpoints.http,
                "MEDIATOR_WS_ENDPOINT": endpoints.ws,
                # The wallet stays in the run directory: restarted there, the mediator keeps its clients.
                "MEDIATOR_DATA_DIR": str(run_dir / "credo-mediator"),
                **askar,
            },
            passed=(*node_agent.NODE_VARIABLES, *MEDIATOR_READS),
        )

    def with_flags(self, argv: list[str], flags: tuple[str, ...]) -> list[str]:
        """agent/mediator.js reads no flags: the user's are Node's own (`--max-old-space-size=4096`), before
        the script."""
        return [argv[0], *flags, *argv[1:]]

    def admin(self, admin_url: str) -> CredoMediatorAdmin:
        return CredoMediatorAdmin(admin_url, self.invitation_kinds)


# What agent/mediator.js reads from the tool's environment besides its ports and folder.
MEDIATOR_READS = ("MEDIATOR_FORWARDING", "LOG_LEVEL")


def credo() -> CredoMediatorFlavour:
    return CredoMediatorFlavour()
