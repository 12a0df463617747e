"""A stock Credo-ts mediator as the local mediator: the `credo` flavour.

It runs `agent/mediator.js` (Credo's mediator module with message pickup v1/v2,
live mode included) on loopback with the same Node install as the credo engine,
so both engines can be tested against a second mediator implementation. Its
admin interface is the script's own: `/ready`, `/invitation`, `/counts`, and `/metrics`
(Prometheus text: live sessions, queued messages and their age, for the mediator probe).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from mediator_tui.agents.credo import setup

from . import jsonhttp
from .errors import ProvisionError
from .flavour import OOB, LaunchSpec, MediatorAdmin, MediatorCounts, MediatorFlavour
from .process import Ports
from .provision import Progress

CREDO_VERSION = "0.5.19"


class CredoMediatorAdmin(MediatorAdmin):
    READY_PATH = "/ready"
    METRICS_PATH = "/metrics"

    def warm_up(self, timeout: float) -> None:
        """Nothing to warm: Credo creates its routing keys when it starts, so first clients do not race."""

    def create_invitation(self, kind: str = OOB) -> str:
        self.check_kind(kind)
        return jsonhttp.call("POST", f"{self.admin_url}/invitation", body={})["invitation_url"]

    def counts(self) -> MediatorCounts:
        answer = jsonhttp.call("GET", f"{self.admin_url}/counts")
        return MediatorCounts(active_connections=int(answer["active_connections"]),
                              granted_mediations=int(answer["granted_mediations"]),
                              keylist_routes=int(answer["keylist_routes"]))


class CredoMediatorFlavour(MediatorFlavour):
    name = "credo"
    invitation_kinds = (OOB,)

    def installable(self) -> bool:
        try:
            self._check()
        except setup.CredoSetupError:
            return False
        return True

    def needs(self) -> str:
        return f"Node.js 20+, `npm ci` in agent/ and the {setup.ASKAR_WHEEL} wheel"

    def _check(self) -> tuple[str, Path]:
        node = setup.node_binary()
        script = setup.script("mediator.js")
        setup.askar_library_dir()
        return node, script

    def provision(self, progress: Progress | None = None) -> str:
        try:
            node, _script = self._check()
        except setup.CredoSetupError as err:
            raise ProvisionError(f"credo mediator: {err}") from None
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        return f"Credo {CREDO_VERSION} mediator on Node {version}"

    def launch_spec(self, ports: Ports, run_dir: Path) -> LaunchSpec:
        node, script = self._check()
        return LaunchSpec(argv=[node, str(script)], env={
            "MEDIATOR_HTTP_PORT": str(ports.http),
            "MEDIATOR_WS_PORT": str(ports.ws),
            "MEDIATOR_ADMIN_PORT": str(ports.admin),
            # The wallet stays in the run directory: restarted there, the mediator keeps its clients.
            "MEDIATOR_DATA_DIR": str(run_dir / "credo-mediator"),
            setup.ASKAR_LIBRARY_ENV: setup.askar_library_dir(),
        })

    def admin(self, admin_url: str) -> CredoMediatorAdmin:
        return CredoMediatorAdmin(admin_url, self.invitation_kinds)


def credo() -> CredoMediatorFlavour:
    return CredoMediatorFlavour()
