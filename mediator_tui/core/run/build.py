"""A run controller from the configuration, with command-line values taking precedence."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, TypeVar

from mediator_tui.core.config import Config, LocustFiles, load_config, parse_duration
from mediator_tui.core.config.mediator_args import acapy_heartbeat_warning
from mediator_tui.core.config.runnable import scenario_problems
from mediator_tui.core.config.url_auth import credential_warnings
from mediator_tui.core.config.validate import parse_locust_files
from mediator_tui.core.run.attach import attach
from mediator_tui.core.run.controller import RunController, RunError, RunLoad
from mediator_tui.core.run.join import LOCUST_MASTER_PORT
from mediator_tui.core.run.local import LocalRun, LocalSpec
from mediator_tui.core.run.target import describe_target

T = TypeVar("T")


@dataclass
class Overrides:
    """Values given on the command line; None keeps the configured one."""

    attach_url: str | None = None
    users: int | None = None
    spawn_rate: float | None = None
    run_time_s: float | None = None
    workers: int | None = None
    locustfiles: list[str] = field(default_factory=list)


def overrides_from_args(args: argparse.Namespace) -> Overrides:
    """The load options of the command line (see commands/cli.py); ValueError names a bad one."""
    try:
        run_time_s = parse_duration(args.run_time) if args.run_time else None
    except ValueError as error:
        raise ValueError(f"--run-time {args.run_time!r} {error}") from None
    for name, value in (("--users", args.users), ("--spawn-rate", args.spawn_rate), ("--workers", args.workers)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must not be negative")
    return Overrides(
        attach_url=args.attach,
        users=args.users,
        spawn_rate=args.spawn_rate,
        run_time_s=run_time_s,
        workers=args.workers,
        locustfiles=args.locustfile or [],
    )


def _pick(override: T | None, configured: T) -> T:
    return configured if override is None else override


class EmbeddedShape(TypedDict):
    """The `LocalSpec` fields that shape the embedded mediator, as the configuration sets them."""

    mediator_flavour: str | None
    mediator_cpu_limit: float | None
    mediator_storage: str
    mediator_postgres_max_connections: int
    mediator_proxy: str
    mediator_proxy_idle_timeout_s: float | None
    mediator_instances: int
    mediator_flags: tuple[str, ...]


def embedded_shape(config: Config) -> EmbeddedShape:
    flavour = config["MEDIATOR_FLAVOUR"]
    return EmbeddedShape(
        mediator_flavour=None if flavour == "auto" else flavour,
        mediator_cpu_limit=config["MEDIATOR_CPU_LIMIT"],
        mediator_storage=config["MEDIATOR_STORAGE"],
        mediator_postgres_max_connections=config["MEDIATOR_POSTGRES_MAX_CONNECTIONS"],
        mediator_proxy=config["MEDIATOR_PROXY"],
        mediator_proxy_idle_timeout_s=config["MEDIATOR_PROXY_IDLE_TIMEOUT"],
        mediator_instances=config["MEDIATOR_INSTANCES"],
        mediator_flags=config["MEDIATOR_ARGS"],
    )


def build_controller(config: Config, overrides: Overrides | None = None, poll_every_s: float = 1.0) -> RunController:
    """A local run, or an attached one when an attach URL is given (here or as ATTACH_URL).

    Raises ValueError (a locustfile that does not exist) or RunError with a message for the user.
    """
    given = overrides or Overrides()
    load = RunLoad(
        users=_pick(given.users, config["LOCUST_USERS"]),
        spawn_rate=_pick(given.spawn_rate, config["LOCUST_SPAWN_RATE"]),
        run_time_s=_pick(given.run_time_s, config["LOCUST_RUN_TIME"]),
    )
    attach_url = given.attach_url or config["ATTACH_URL"]
    redact = config.redactor(ATTACH_URL=attach_url)
    mediation_url = config.raw.get("MEDIATION_URL", "").strip()
    if attach_url:
        return attach(
            attach_url,
            load,
            username=config["ATTACH_USERNAME"],
            password=config["ATTACH_PASSWORD"],
            # Locust's default unless this host's settings name the attached master's port.
            master_port=config["MASTER_PORT"] if "MASTER_PORT" in config.raw else LOCUST_MASTER_PORT,
            worker_processes=_pick(given.workers, config["LOCUST_WORKERS"]) or os.cpu_count() or 1,
            target=describe_target(mediation_url),
            redact=redact,
            poll_every_s=poll_every_s,
            probe_settings=config.values,
        )
    configured = config.values.get("LOCUST_FILES")  # absent when the configured files do not exist
    files = configured
    if given.locustfiles:
        base = config.path.resolve().parent if config.path else None
        chosen = parse_locust_files(",".join(given.locustfiles), base)
        files = LocustFiles(chosen.paths, configured.extra_args if configured else ())
    lacking = scenario_problems(files.paths, config.values, users=load.users) if files else []
    if lacking:
        raise RunError("the scenarios cannot run with this configuration:\n  " + "\n  ".join(map(str, lacking)))
    spec = LocalSpec(
        locustfiles=tuple(files.paths) if files else (),
        extra_args=tuple(files.extra_args) if files else (),
        workers=_pick(given.workers, config["LOCUST_WORKERS"]),
        remote_workers=config["REMOTE_WORKERS"],
        mediation_url=mediation_url,
        **embedded_shape(config),
        storm_after_s=config["STORM_AFTER"],
        env=config.child_environment(),
        master_bind_host=config["MASTER_HOST"],
        # The default port is only a suggestion: a free one is taken unless the user set it.
        master_bind_port=config["MASTER_PORT"] if "MASTER_PORT" in config.raw else 0,
    )
    run = LocalRun(spec, load, redact=redact, poll_every_s=poll_every_s, probe_settings=config.values)
    for warning in (*credential_warnings(config.raw), _mediator_flags_warning(spec)):
        if warning:
            run.logs.say(warning)
    return run


def _mediator_flags_warning(spec: LocalSpec) -> str:
    """What MEDIATOR_ARGS do to the embedded ACA-Py that the user may not mean ("" when nothing)."""
    embedded_acapy = not spec.mediation_url and spec.mediator_flavour in (None, "acapy", "acapy-legacy")
    return acapy_heartbeat_warning(spec.mediator_flags) if embedded_acapy else ""


def controller_for(config_path: str | Path | None = None, overrides: Overrides | None = None) -> RunController:
    """The TUI's entry: the configuration as saved on disk, defaults while there is no file yet
    (problems raise ConfigError)."""
    return build_controller(load_config(config_path, missing_ok=True), overrides)
