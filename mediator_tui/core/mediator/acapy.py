"""ACA-Py as the local mediator: the `acapy` and `acapy-legacy` flavours and their admin API.

Both versions take the same start flags (docs/didcomm-quirks.md, "ACA-Py as a mediator").
Admin API differences handled here:
`/connections` and `/mediation/keylists` page at 100 on 1.x (`limit`/`offset`) and
ignore those parameters on 0.12 (everything in one answer); `/mediation/requests`
is never paged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mediator_tui.common.cached_install import Progress
from mediator_tui.core.mediator import interpreters, jsonhttp, provision
from mediator_tui.core.mediator.errors import MediatorAdminError, MediatorError
from mediator_tui.core.mediator.flavour import (
    CONNECTIONS_V1,
    OOB,
    Endpoints,
    LaunchSpec,
    MediatorAdmin,
    MediatorCounts,
    MediatorFlavour,
)
from mediator_tui.core.mediator.postgres import DatabaseLogin
from mediator_tui.core.mediator.process import HOST, Ports
from mediator_tui.core.mediator.provision import RuntimeVariant

WARM_UP_ALIAS = "mediator-tui-warmup"
PAGE_SIZE = 1000
MAX_PAGES = 1000
HANDSHAKES = ["https://didcomm.org/didexchange/1.1", "https://didcomm.org/didexchange/1.0"]


def all_records(
    get: Callable[[dict[str, Any]], dict[str, Any]],
    path: str,
    params: dict[str, Any],
    key: str,
    page_size: int = PAGE_SIZE,
) -> list[dict[str, Any]]:
    """Every record of a list endpoint, whether or not this version pages it.

    `get(query)` answers one GET of `path` with those query parameters. An unpaged
    answer ignores `offset` and repeats itself: records are collected by `key` and
    the walk stops at a short page or a page with nothing new.
    """
    seen: dict[str, dict[str, Any]] = {}
    for page in range(MAX_PAGES):
        results = get({**params, "limit": page_size, "offset": page * page_size})["results"]
        new = [r for r in results if r[key] not in seen]
        seen.update((r[key], r) for r in new)
        if len(results) < page_size or not new:
            return list(seen.values())
    raise MediatorAdminError(f"GET {path}: more than {MAX_PAGES * page_size} records")


# ACA-Py's pool of connections to its PostgreSQL (askar's own default size): a server whose max_connections
# is below it refuses some of them under load.
POSTGRES_POOL = 10
# The key of the embedded mediator's throwaway wallet (one per run directory, on loopback).
_WALLET_KEY = "mediator-tui"


class AcaPyAdmin(MediatorAdmin):
    READY_PATH = "/status/ready"

    def _call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        timeout: float = jsonhttp.DEFAULT_TIMEOUT_S,
    ) -> Any:
        return jsonhttp.call(method, self.admin_url + path, params, body, timeout)

    def create_invitation(self, kind: str = OOB) -> str:
        self.check_kind(kind)
        if kind == CONNECTIONS_V1:
            answer = self._call("POST", "/connections/create-invitation", {"multi_use": "true"}, {})
        else:
            answer = self._call(
                "POST", "/out-of-band/create-invitation", {"multi_use": "true"}, {"handshake_protocols": HANDSHAKES}
            )
        url: str = answer["invitation_url"]
        return url

    def _all(self, path: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
        return all_records(lambda query: self._call("GET", path, query), path, params, key)

    def _warm_up_connections(self) -> set[str]:
        return {
            c["connection_id"]
            for c in self._all("/connections", {"alias": WARM_UP_ALIAS}, "connection_id")
            if c.get("alias") == WARM_UP_ALIAS
        }

    def counts(self) -> MediatorCounts:
        warm_up = self._warm_up_connections()
        connections = [
            c
            for c in self._all("/connections", {"state": "active"}, "connection_id")
            if c["connection_id"] not in warm_up
        ]
        mediations = [
            m
            for m in self._call("GET", "/mediation/requests", {"state": "granted"})["results"]
            if m.get("role") == "server" and m["connection_id"] not in warm_up
        ]
        routes = [
            r
            for r in self._all("/mediation/keylists", {"role": "server"}, "record_id")
            if r.get("connection_id") not in warm_up
        ]
        return MediatorCounts(
            active_connections=len(connections), granted_mediations=len(mediations), keylist_routes=len(routes)
        )

    def warm_up(self, timeout: float) -> None:
        """The mediator connects to itself and asks itself for mediation.

        Granting creates the wallet's routing DID once; without this, the first
        clients of a fresh wallet race to create it and all but one get no grant
        (docs/didcomm-quirks.md "First mediations race on a fresh wallet"). Both warm-up
        connections carry WARM_UP_ALIAS so the counts leave them out.
        """
        deadline = time.monotonic() + timeout
        created = self._call(
            "POST",
            "/out-of-band/create-invitation",
            {"multi_use": "false"},
            {"handshake_protocols": HANDSHAKES[:1], "alias": WARM_UP_ALIAS},
        )
        received = self._call(
            "POST",
            "/out-of-band/receive-invitation",
            {"alias": WARM_UP_ALIAS, "auto_accept": "true"},
            created["invitation"],
        )
        connection_id = received["connection_id"]
        self._wait(
            deadline,
            lambda: self._call("GET", f"/connections/{connection_id}")["state"] in ("active", "completed"),
            "the warm-up connection to become active",
        )
        mediation_id = self._call("POST", f"/mediation/request/{connection_id}", body={})["mediation_id"]
        self._wait(
            deadline,
            lambda: self._call("GET", f"/mediation/requests/{mediation_id}")["state"] == "granted",
            "the warm-up mediation to be granted",
        )

    @staticmethod
    def _wait(deadline: float, done: Callable[[], bool], what: str) -> None:
        while time.monotonic() < deadline:
            if done():
                return
            time.sleep(0.2)
        raise MediatorError(f"warm-up: timed out waiting for {what}")


class AcaPyFlavour(MediatorFlavour):
    postgres_capable = True

    def __init__(self, name: str, variants: list[RuntimeVariant], kinds: tuple[str, ...], missing_hint: str = ""):
        self.name = name
        self.variants = variants
        self.invitation_kinds = kinds
        self.missing_hint = missing_hint
        self.runtime: provision.Runtime | None = None
        self.database: DatabaseLogin | None = None

    def use_database(self, login: DatabaseLogin) -> None:
        self.database = login

    def provision(self, progress: Progress | None = None) -> str:
        self.runtime = provision.ensure(self.variants, progress, self.missing_hint)
        return self.runtime.variant.label

    def installable(self) -> bool:
        """Installed already or an interpreter for one of its variants is on this machine."""
        return any(provision.installed(v) or interpreters.find(v.python) for v in self.variants)

    def needs(self) -> str:
        return provision.pythons_text(self.variants)

    def launch_spec(self, ports: Ports, run_dir: Path, endpoints: Endpoints) -> LaunchSpec:
        if self.runtime is None:
            raise MediatorError(f"{self.name}: call provision() before launch_spec()")
        argv = [
            str(self.runtime.entry_point),
            "start",
            "--label",
            "Mediator",
            "--inbound-transport",
            "http",
            HOST,
            str(ports.http),
            "--inbound-transport",
            "ws",
            HOST,
            str(ports.ws),
            "--outbound-transport",
            "http",
            "--outbound-transport",
            "ws",
            "--endpoint",
            endpoints.http,
            endpoints.ws,
            "--admin",
            HOST,
            str(ports.admin),
            "--admin-insecure-mode",
            "--open-mediation",
            "--enable-undelivered-queue",
            "--wallet-type",
            "askar",
            "--wallet-name",
            "mediator",
            *(["--wallet-storage-type", "postgres_storage"] if self.database else []),
            "--auto-provision",
            "--no-ledger",
            "--auto-accept-requests",
            "--auto-accept-invites",
            "--auto-ping-connection",
            "--auto-respond-messages",
            "--log-level",
            "warning",
        ]
        # ACAPY_HOME holds the wallet: one fresh wallet per run directory. Its key goes in the environment
        # (ACAPY_WALLET_KEY, the env_var of --wallet-key in ACA-Py 0.12.8 and 1.7.0, config/argparse.py), not
        # on the command line where `ps` shows it.
        env = {"ACAPY_HOME": str(run_dir / "acapy-home"), "ACAPY_WALLET_KEY": _WALLET_KEY}
        if self.database:
            env.update(postgres_storage_env(self.database))
        return LaunchSpec(argv=argv, env=env)

    def admin(self, admin_url: str) -> AcaPyAdmin:
        return AcaPyAdmin(admin_url, self.invitation_kinds)


def postgres_storage_env(login: DatabaseLogin) -> dict[str, str]:
    """Askar's postgres_storage as the reference deployment configures it
    (https://github.com/openwallet-foundation/didcomm-mediator-service, docker-compose.yml), in the
    environment (ACAPY_WALLET_STORAGE_CONFIG and ACAPY_WALLET_STORAGE_CREDS, the env_vars of ACA-Py's
    config/argparse.py): the password stays off the command line. The account is the cluster's owner,
    so it is its admin account too (askar creates the wallet's database with it)."""
    password = login.password()
    creds = {"account": login.account, "password": password, "admin_account": login.account, "admin_password": password}
    return {
        "ACAPY_WALLET_STORAGE_CONFIG": json.dumps({"url": login.address, "max_connections": POSTGRES_POOL}),
        "ACAPY_WALLET_STORAGE_CREDS": json.dumps(creds),
    }


def acapy() -> AcaPyFlavour:
    return AcaPyFlavour(
        "acapy",
        [
            RuntimeVariant("acapy-agent-1.7.0-py3.13", (3, 13), "acapy-agent==1.7.0", "aca-py"),
            RuntimeVariant("acapy-agent-1.4.0-py3.12", (3, 12), "acapy-agent==1.4.0", "aca-py"),
        ],
        (OOB,),
        missing_hint="use --flavour acapy-legacy",
    )


def acapy_legacy() -> AcaPyFlavour:
    return AcaPyFlavour(
        "acapy-legacy",
        [
            RuntimeVariant("aries-cloudagent-0.12.8-py3.11", (3, 11), "aries-cloudagent[askar]==0.12.8", "aca-py"),
        ],
        (OOB, CONNECTIONS_V1),
        missing_hint="use --flavour acapy",
    )
