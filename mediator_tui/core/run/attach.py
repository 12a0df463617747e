"""Attaching to a Locust master someone else started (`--attach URL`).

The tool only reads and steers it over HTTP; it never owns its processes, so
shutting down stops polling and leaves the remote run as it is. An unreachable
or wrong URL shows in the snapshot's status and is retried with backoff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from mediator_tui.common.bind_address import is_loopback
from mediator_tui.core.config.url_auth import plain_http_warning
from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.run.controller import RunController, RunError, RunLoad
from mediator_tui.core.run.join import LOCUST_MASTER_PORT, worker_command
from mediator_tui.core.sources.master_api import MasterClient


class AttachedRun(RunController):
    mode = "attached"


def attach(
    url: str,
    load: RunLoad,
    *,
    username: str = "",
    password: str = "",
    target: str = "",
    redact: Callable[[str], str] = lambda text: text,
    poll_every_s: float = 1.0,
    probe_settings: Mapping[str, Any] | None = None,
    master_port: int = LOCUST_MASTER_PORT,
    worker_processes: int = 1,
) -> AttachedRun:
    """`probe_settings` (validated settings): the mediator probe reads what they name, from this host.
    `master_port`: the port the master takes workers on (its web URL does not tell); `worker_processes`:
    how many the printed worker command starts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RunError(f"--attach needs the master's web URL, like http://host:8089 (got {redact(url)!r})")
    client = MasterClient(url, username, password)
    store = MetricStore("attached", redact(client.base_url))
    store.describe_run(target=target, run_time_s=load.run_time_s)
    run = AttachedRun(
        client, load, redact=redact, store=store, poll_every_s=poll_every_s, probe_settings=probe_settings
    )
    warning = plain_http_warning("--attach", client.base_url, client.has_credentials)
    if warning:
        run.logs.say(warning)
    if not is_loopback(parts.hostname):  # a master on loopback takes no worker of another host
        run.join_command = worker_command(parts.hostname, master_port, worker_processes)
        run.logs.say(
            f"workers on another host join this master with: {run.join_command} "
            f"(if the master takes workers on another port than {master_port}, its --master-bind-port)"
        )
    run.prepare()
    return run
