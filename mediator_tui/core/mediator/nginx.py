"""Debian's nginx as the reverse proxy in front of the embedded mediator: finding or installing the binary,
and the configuration of one proxy process of the tool's own (never the system's nginx service).

The split follows the reference deployment's Caddyfile (openwallet-foundation/didcomm-mediator-service,
caddy/Caddyfile): a request whose `Connection` header holds `Upgrade` and whose `Upgrade` header is
`websocket` goes to the mediator's ws inbound port, everything else to its http inbound port. Both are
reached on one address, as that deployment advertises one host for its `https://` and `wss://` endpoints.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mediator_tui.common.cached_install import Progress, apt_usable
from mediator_tui.core.mediator.errors import ProvisionError

# Debian installs it in /usr/sbin, which a user's PATH may leave out.
SEARCHED = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
# Another apt-get (an administrator's install, unattended upgrades) may hold dpkg's lock for a while.
APT_LOCK_WAIT_S = 300
INSTALL_TIMEOUT_S = 900.0
# nginx's own default for proxy_read_timeout: what an unset idle timeout means.
DEFAULT_IDLE_TIMEOUT_S = 60.0
# Plain HTTP's read and send timeouts, nginx's own default: an answer that takes a loaded mediator seconds
# is waited for; the idle timeout is a websocket's.
HTTP_TIMEOUT_S = 60


def find() -> str | None:
    """The nginx binary on PATH or where Debian and nginx's own builds put it; None when there is none."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in SEARCHED if os.access(path, os.X_OK)), None)


def ensure(progress: Progress | None = None) -> str:
    """The nginx binary, installed with `apt-get install -y nginx` when missing and apt is usable here
    (as root); otherwise ProvisionError naming what to install."""
    found = find()
    if found:
        return found
    if not apt_usable():
        raise ProvisionError(
            "MEDIATOR_PROXY=nginx needs nginx, which is not installed: install Debian's `nginx` package "
            "(`sudo apt-get install nginx`) or set MEDIATOR_PROXY=none"
        )
    if progress:
        progress("installing nginx (apt-get install -y nginx)")
    command = ["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT_S}", "install", "-y", "--no-install-recommends"]
    try:
        done = subprocess.run(
            [*command, "nginx"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ProvisionError(f"`apt-get install nginx` failed: {err}") from None
    found = find()
    if done.returncode != 0 or not found:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise ProvisionError(
            f"`apt-get install nginx` failed (exit {done.returncode}); install Debian's `nginx` package "
            f"yourself or set MEDIATOR_PROXY=none:\n{tail}"
        )
    return found


@dataclass(frozen=True)
class ProxyFiles:
    """Where one proxy process keeps everything it writes: its own folder in the run's folder."""

    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / "nginx.conf"

    @property
    def pid(self) -> Path:
        return self.folder / "nginx.pid"

    @property
    def error_log(self) -> Path:
        return self.folder / "nginx-error.log"  # so named in an export's logs/, beside the mediator's

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    @property
    def output(self) -> Path:
        """What the process prints (nginx prints nothing once its error log is open)."""
        return self.folder / "nginx.out"

    @property
    def temp(self) -> Path:
        return self.folder / "temp"


def command(binary: str, files: ProxyFiles) -> list[str]:
    """nginx in the foreground with the given configuration; `-e` sends even the messages it writes before
    reading that configuration to its own error log, not the system's."""
    return [binary, "-p", str(files.folder), "-c", str(files.config), "-e", str(files.error_log)]


def _user_line() -> str:
    # Run as root, nginx's workers would switch to `nobody`, which cannot enter the run's private folder.
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"


def _servers(host: str, ports: Sequence[int]) -> str:
    # max_fails=0: an instance that refused a connection (not started yet, restarting) is tried again on the next
    # request, not left out for fail_timeout (10 s) while the others take its share; nginx ignores it when the
    # group has one server (https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server).
    return "\n".join(f"        server {host}:{port} max_fails=0;" for port in ports)


def config(
    files: ProxyFiles, host: str, listen: int, http_ports: Sequence[int], ws_ports: Sequence[int], idle_timeout_s: float
) -> str:
    """One server on `host:listen`: websocket upgrades to `ws_ports`, the rest to `http_ports`, one port of each
    per mediator instance, taken in turn (nginx's default round robin). A websocket stays on the instance it
    reached for as long as it is open: nginx picks an upstream per connection, not per message.

    `idle_timeout_s` is the websockets' proxy_read_timeout and proxy_send_timeout: a websocket with no data
    either way for that long is closed, as a cloud load balancer's idle timeout does. Plain HTTP gets
    HTTP_TIMEOUT_S, so a slow answer is not cut as an idle websocket would be.
    """
    idle = f"{max(1, round(idle_timeout_s))}s"
    temp = files.temp
    return f"""# Written by mediator-tui for one run; the tool starts and stops this process itself.
{_user_line()}daemon off;
worker_processes 1;
pid {files.pid};
error_log {files.error_log} warn;

events {{
    worker_connections 16384;
}}

http {{
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    # Which inbound port took each request: the tests read it to see the split happen.
    log_format split '$time_iso8601 $request_method $status upgrade=$http_upgrade upstream=$upstream_addr';
    access_log {files.access_log} split buffer=16k flush=1s;

    # As the reference Caddyfile's @websockets matcher: `Connection` holds Upgrade, `Upgrade` is websocket.
    map "$http_connection|$http_upgrade" $mediator_inbound {{
        default mediator_http;
        "~*upgrade.*\\|websocket$" mediator_ws;
    }}
    upstream mediator_http {{
{_servers(host, http_ports)}
        keepalive 32;
    }}
    upstream mediator_ws {{
{_servers(host, ws_ports)}
    }}

    server {{
        listen {host}:{listen};
        client_max_body_size 10m;
        location / {{
            # A websocket upgrade goes on in @websocket (a timeout cannot be chosen by a variable); `if` that
            # only returns is safe (https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#if).
            error_page 418 = @websocket;
            if ($mediator_inbound = mediator_ws) {{
                return 418;
            }}
            proxy_pass http://mediator_http;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_read_timeout {HTTP_TIMEOUT_S}s;
            proxy_send_timeout {HTTP_TIMEOUT_S}s;
        }}
        location @websocket {{
            proxy_pass http://mediator_ws;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection upgrade;
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_read_timeout {idle};
            proxy_send_timeout {idle};
        }}
    }}
}}
"""
