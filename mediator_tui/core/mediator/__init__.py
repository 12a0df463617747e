"""The embedded real mediator: ACA-Py (or, later, Credo) on loopback.

Public API (stable names):

- `LocalMediator(flavour=None, *, http_port=None, ws_port=None, admin_port=None,
  run_dir=None, progress=None, ready_timeout=120, detached=False, cpu_limit=None)`:
  a context manager. `cpu_limit` (cores, as a Kubernetes pod's: 0.8 = 800m) runs
  it in a cgroup of its own (`.cgroup`) under the kernel's CPU controller, removed
  when it stops; `cpu_limit.read_throttling(pid)` reads any pid's throttling.
  `start()` provisions the flavour's runtime if needed (into
  `$XDG_CACHE_HOME/mediator-tui/runtimes/`), picks free loopback ports (a given
  port that is taken is a `MediatorError`), starts the mediator in its own
  process group with its log at `log_path`, waits for readiness and makes one
  warm-up mediation. Then: `.invitation_url` (multi-use OOB), `.admin_url`,
  `.http_url`, `.ws_url`, `.create_invitation(kind)`, `.rotator(every, kind)`
  (an `InvitationRotator`: `.next()` gives a fresh invitation every `every`
  calls), `.counts()` (`MediatorCounts`: active_connections,
  granted_mediations, keylist_routes, the warm-up left out), `.running`,
  `.stop()` (TERM then KILL of the whole group, no orphans).
  `to_state()` / `LocalMediator.from_state(d)` hand a running mediator over
  between processes (the CLI's `up` and `down`).
- Flavours: `flavours.names()`, `flavours.pick(name_or_None)` (None: the newest
  this machine can run: "acapy" = acapy-agent 1.7.0 on Python 3.13 or 1.4.0 on
  3.12, else "acapy-legacy" = aries-cloudagent 0.12.8 on 3.11, which also makes
  `c_i` invitations); "credo" (a stock Credo-ts mediator with pickup v2) only when
  forced. A new flavour implements `MediatorFlavour` / `MediatorAdmin` and joins
  `flavours._FACTORIES`.
- Invitation kinds: `OOB` ("oob"), `CONNECTIONS_V1` ("c_i").
- Errors: `MediatorError`, its subclasses `ProvisionError` (message names the
  missing interpreter and where it was looked for), `MediatorAdminError` and
  `cpu_limit.CpuLimitError` (no writable cgroup CPU controller; names each place tried).
"""

from mediator_tui.core.mediator.errors import MediatorAdminError, MediatorError, ProvisionError
from mediator_tui.core.mediator.flavour import CONNECTIONS_V1, OOB, MediatorAdmin, MediatorCounts, MediatorFlavour
from mediator_tui.core.mediator.local import EMBEDDED_MEDIATOR_ENV, LocalMediator
from mediator_tui.core.mediator.rotator import InvitationRotator

__all__ = [
    "CONNECTIONS_V1",
    "EMBEDDED_MEDIATOR_ENV",
    "OOB",
    "InvitationRotator",
    "LocalMediator",
    "MediatorAdmin",
    "MediatorAdminError",
    "MediatorCounts",
    "MediatorError",
    "MediatorFlavour",
    "ProvisionError",
]
