"""What a local run's export keeps of its mediator (summary.json's `settings`): the embedded one's flavour,
release and shape as it ran, so that a comparison of runs (core/compare/) lists, say, SQLite against
PostgreSQL or one instance against two among what differs between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediator_tui.core.mediator.postgres import POSTGRES

if TYPE_CHECKING:
    from mediator_tui.core.mediator import LocalMediator

# The settings that shape the embedded mediator only: a run against an external one keeps none of them.
EMBEDDED_MEDIATOR_SETTINGS = (
    "MEDIATOR_FLAVOUR",
    "MEDIATOR_CPU_LIMIT",
    "MEDIATOR_ARGS",
    "MEDIATOR_PROXY",
    "MEDIATOR_PROXY_IDLE_TIMEOUT",
    "MEDIATOR_STORAGE",
    "MEDIATOR_POSTGRES_MAX_CONNECTIONS",
    "MEDIATOR_INSTANCES",
)


def mediator_facts(mediator: LocalMediator | None, *, external: bool) -> dict[str, object]:
    """The embedded mediator's flavour, release and shape (CPU limit, storage, proxy, instances, flags) under
    the names of their settings, so that they stand for the configured ones; nothing before it started. An
    `external` mediator is known as such only, and the embedded mediator's settings, which did not shape it,
    are blanked."""
    if mediator is None:
        return {"mediator": "external", **dict.fromkeys(EMBEDDED_MEDIATOR_SETTINGS)} if external else {}
    proxy = mediator.proxy_setting
    return {
        "mediator": mediator.flavour.name,
        "mediator_release": mediator.runtime_label,
        "MEDIATOR_CPU_LIMIT": mediator.cpu_limit,
        "MEDIATOR_STORAGE": mediator.storage,
        "MEDIATOR_POSTGRES_MAX_CONNECTIONS": mediator.postgres_max_connections
        if mediator.storage == POSTGRES
        else None,
        "MEDIATOR_PROXY": proxy.kind,
        "MEDIATOR_PROXY_IDLE_TIMEOUT": proxy.idle_timeout_s if proxy.wanted else None,
        "MEDIATOR_INSTANCES": mediator.instances,
        "MEDIATOR_ARGS": list(mediator.flags),  # a secret flag was refused when the settings were read
    }
