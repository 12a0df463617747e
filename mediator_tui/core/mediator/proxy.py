"""`ReverseProxy`: the tool's own proxy process in front of the embedded mediator, as production runs one.

It listens on one free loopback port, sends websocket upgrades to the mediator's ws inbound port and the
rest to its http inbound port (core/mediator/nginx.py), and closes what stays idle for `idle_timeout_s`.
Everything it writes stays in its folder inside the run's folder; it is started and stopped by its process
group, never as the system's service.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediator_tui.common.cached_install import Progress
from mediator_tui.core.mediator import nginx, process
from mediator_tui.core.mediator.errors import MediatorError
from mediator_tui.core.mediator.process import HOST, Ports
from mediator_tui.core.processes import ProcessGroup

NONE = "none"
NGINX = "nginx"
KINDS = (NONE, NGINX)
READY_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class ProxySetting:
    """What the settings ask for: which proxy (`none`: agents reach the mediator directly) and its idle timeout."""

    kind: str = NONE
    idle_timeout_s: float = nginx.DEFAULT_IDLE_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MediatorError(f"unknown reverse proxy {self.kind!r} (known: {', '.join(KINDS)})")
        if not self.idle_timeout_s >= 1:
            raise MediatorError(f"the proxy's idle timeout must be at least 1 s, not {self.idle_timeout_s:g}")

    @property
    def wanted(self) -> bool:
        return self.kind != NONE

    def describe(self) -> str:
        return f"{self.kind}, idle timeout {self.idle_timeout_s:g} s"


def proxy_setting(kind: str, idle_timeout_s: float | None) -> ProxySetting:
    """The setting from its two values as the configuration reads them (None: the proxy's default timeout)."""
    return ProxySetting(kind, nginx.DEFAULT_IDLE_TIMEOUT_S if idle_timeout_s is None else idle_timeout_s)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class ReverseProxy:
    """One nginx process of the run in front of the mediator listening on `upstream` ports."""

    def __init__(self, setting: ProxySetting, folder: Path, port: int):
        self.setting = setting
        self.files = nginx.ProxyFiles(folder)
        self.port = port
        self.pgid: int | None = None
        self.pid_start_ticks: int | None = None
        self._group: ProcessGroup | None = None

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def start(
        self, upstreams: Sequence[Ports], progress: Progress | None = None, detached: bool = False
    ) -> ReverseProxy:
        """Install nginx if needed, write its configuration and start it in front of the mediator instances on
        `upstreams` (taken in turn); MediatorError if it does not listen."""
        binary = nginx.ensure(progress)
        self.files.temp.mkdir(parents=True, exist_ok=True)
        http, ws = [ports.http for ports in upstreams], [ports.ws for ports in upstreams]
        self.files.config.write_text(nginx.config(self.files, HOST, self.port, http, ws, self.setting.idle_timeout_s))
        argv = nginx.command(binary, self.files)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        group = process.spawn("proxy", argv, env, self.files.folder, self.files.output, detached)
        self._group = group
        self.pgid = group.pgid
        self.pid_start_ticks = process.start_ticks(self.pgid)
        try:
            process.wait_ready(
                lambda: _accepts(self.port), group.alive, READY_TIMEOUT_S, self.files.error_log, "reverse proxy nginx"
            )
        except BaseException:
            self.stop()
            raise
        if progress:
            progress(f"reverse proxy {self.setting.describe()} on {self.http_url} (pid {self.pgid})")
        return self

    @property
    def running(self) -> bool:
        return process.group_running(self.pgid, self.pid_start_ticks)

    def stop(self) -> None:
        """End its process group (TERM, then KILL); safe to call twice."""
        if self.pgid is None:
            return
        process.end_group(self._group, self.pgid, self.pid_start_ticks, "reverse proxy")
        self.pgid = None
        self._group = None

    def to_state(self) -> dict[str, Any]:
        return {
            "kind": self.setting.kind,
            "idle_timeout_s": self.setting.idle_timeout_s,
            "folder": str(self.files.folder),
            "port": self.port,
            "pgid": self.pgid,
            "pid_start_ticks": self.pid_start_ticks,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ReverseProxy:
        proxy = cls(ProxySetting(state["kind"], state["idle_timeout_s"]), Path(state["folder"]), state["port"])
        proxy.pgid = state.get("pgid")
        proxy.pid_start_ticks = state.get("pid_start_ticks")
        return proxy
