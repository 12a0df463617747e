"""Which settings travel from a Locust master to the workers that join it from other hosts.

A setting travels unless it is secret (the schema marks those: they are read on each host, never sent)
or it describes the master's own host (a file there, a process there, its own bind address). A value
that carries credentials in a URL stays home as well: it is secret by content though not by name.
"""

from __future__ import annotations

from collections.abc import Mapping

from mediator_tui.contracts.worker_join import JoinReply, refusal
from mediator_tui.core.config.schema import BY_KEY, SETTINGS, Setting
from mediator_tui.core.config.secrets import mask

# Settings about the host they are set on: each worker host has its own.
HOST_SETTINGS = frozenset(
    {
        "LOCUST_FILES",  # paths on the master; workers receive the scenarios from it (Locust's `-f -`)
        "LOCUST_WORKERS",  # worker processes on this host (`mediator-tui worker --processes`)
        "AGENT_IP",  # the address this host's listening agents bind and advertise
        "WALLET_POPULATION",  # a file on the master's host
        "MEDIATOR_PID",  # a process on the master's host
        "MASTER_HOST",
        "MASTER_PORT",
        # the workers the master waits for: on a worker's host, without the master's MASTER_HOST, it is a
        # configuration problem that stops every worker (tests/e2e/test_beyond_one_host.py)
        "REMOTE_WORKERS",
        "ATTACH_URL",
        "ATTACH_USERNAME",
    }
)


def is_set(key: str, value: str) -> bool:
    """Whether `value` of setting `key` is one a run uses: neither empty nor the default (`{}` headers)."""
    setting = BY_KEY.get(key)
    return bool(value) and (setting is None or value != setting.default)


def travels(setting: Setting) -> bool:
    return not setting.secret and setting.key not in HOST_SETTINGS


def travelling_settings(raw: Mapping[str, str]) -> dict[str, str]:
    """The settings of `raw` (a master's, as read by `load_config`) that its workers receive."""
    return {
        setting.key: raw[setting.key]
        for setting in SETTINGS
        if travels(setting) and setting.key in raw and mask(setting.key, raw[setting.key]) == raw[setting.key]
    }


def secrets_used(raw: Mapping[str, str]) -> tuple[str, ...]:
    """Names of the settings a worker must have on its own host for this run: the secrets `raw` sets and the
    travelling settings held back for the credentials in their value."""
    sent = travelling_settings(raw)
    return tuple(
        setting.key
        for setting in SETTINGS
        if is_set(setting.key, raw.get(setting.key, ""))
        and (setting.secret or (travels(setting) and setting.key not in sent))
    )


def join_reply(worker_version: str, raw: Mapping[str, str], master_version: str) -> JoinReply:
    """A master's answer to a worker of `worker_version` joining a run of settings `raw`."""
    refused = refusal(worker_version, master_version)
    if refused:
        return JoinReply(master_version, refused=refused)
    return JoinReply(master_version, travelling_settings(raw), secrets_used(raw))
