"""A wallet population: the wallets runs onboarded, in a file the user names (WALLET_POPULATION), so a later
run reconnects them, as real wallets do after an app restart or a mediator deploy, instead of onboarding anew.

The file is JSON: which mediator the wallets belong to (its endpoint and, for the embedded mediator, its
flavour, ports, wallet storage and the folder that keeps its wallet) and one record per wallet. A record belongs to the engine
that wrote it (its keys are secrets: whoever holds them is the wallet); here only its `did` (public) and
`engine` are read. The file is written whole or not at all, readable by its owner only (mode 0600), and the
workers of a run add their wallets to it under a lock on its folder, so none overwrites another's.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediator_tui.common.invitation import InvitationError, decode_invitation_url
from mediator_tui.core.atomic_file import write_text_atomic

FORMAT = "mediator-tui wallet population"
VERSION = 1
_MODE = 0o600
SQLITE_STORAGE = "sqlite"


class PopulationError(Exception):
    """A population file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class EmbeddedMediator:
    """The embedded mediator a population was made with: started again with this wallet on these ports.

    `storage` (MEDIATOR_STORAGE) says where the wallet is: sqlite, a file in `wallet_dir`; postgres, a cluster
    kept in `kept_cluster_dir(wallet_dir)`. A file from before it was recorded is sqlite's: a cluster was then
    removed with its run, so no population made on one can be used again."""

    flavour: str
    wallet_dir: str
    ports: dict[str, int]
    storage: str = SQLITE_STORAGE

    def to_json(self) -> dict[str, Any]:
        return {
            "flavour": self.flavour,
            "wallet_dir": self.wallet_dir,
            "ports": dict(self.ports),
            "storage": self.storage,
        }


@dataclass(frozen=True)
class MediatorOfPopulation:
    endpoint: str  # the endpoint its invitations name
    embedded: EmbeddedMediator | None = None

    def to_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "embedded": self.embedded.to_json() if self.embedded else None}


@dataclass(frozen=True)
class Population:
    path: Path
    mediator: MediatorOfPopulation
    wallets: tuple[dict[str, Any], ...] = field(default=(), repr=False)  # secrets: never shown


def invitation_endpoint(mediation_url: str) -> str:
    """What names a mediator in a population: the endpoint its invitation gives (or the DID of its service)."""
    try:
        invitation = decode_invitation_url(mediation_url)
    except InvitationError:
        return ""
    return invitation.endpoint() or str(invitation.services[0])


def embedded_wallet_dir(path: str | os.PathLike[str]) -> Path:
    """Where the embedded mediator keeps its wallet for the population at `path`: a folder beside the file."""
    target = Path(path)
    return target.with_name(target.name + ".mediator")


def kept_cluster_dir(wallet_dir: str | os.PathLike[str]) -> Path:
    """Where the embedded mediator's PostgreSQL cluster is kept for a population (MEDIATOR_STORAGE=postgres)."""
    return Path(wallet_dir) / "postgres"


def read_population(path: str | os.PathLike[str]) -> Population | None:
    """The population at `path`; None when there is no such file; PopulationError naming the file when it is
    not a population this release reads."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PopulationError(f"wallet population {target}: cannot be read ({exc})") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PopulationError(f"wallet population {target}: not JSON ({exc})") from None
    return _population(target, document)


def _population(target: Path, document: object) -> Population:
    def bad(what: str) -> PopulationError:
        return PopulationError(f"wallet population {target}: {what}")

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise bad(f'not a wallet population (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise bad(f"version {document.get('version')!r}; this release reads version {VERSION}")
    mediator = document.get("mediator")
    if not isinstance(mediator, dict) or not isinstance(mediator.get("endpoint"), str) or not mediator["endpoint"]:
        raise bad('"mediator" lacks its "endpoint"')
    wallets = document.get("wallets")
    if not isinstance(wallets, list):
        raise bad('"wallets" is not a list')
    for index, wallet in enumerate(wallets):
        if not isinstance(wallet, dict) or not all(
            isinstance(wallet.get(k), str) and wallet[k] for k in ("did", "engine")
        ):
            raise bad(f'wallet {index} is not an object with a "did" and an "engine"')
    return Population(
        target,
        MediatorOfPopulation(mediator["endpoint"], embedded_mediator(mediator.get("embedded"), bad)),
        tuple(wallets),
    )


def embedded_mediator(value: object, bad: Callable[[str], PopulationError]) -> EmbeddedMediator | None:
    """The embedded mediator `value` describes (None: none); `bad(what)` is the error when it is malformed."""
    if value is None:
        return None
    ports = value.get("ports") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("flavour"), str)
        or not isinstance(value.get("wallet_dir"), str)
        or not isinstance(ports, dict)
        or sorted(ports) != ["admin", "http", "ws"]
        or not all(isinstance(port, int) and 0 < port < 65536 for port in ports.values())
        or not isinstance(value.get("storage", SQLITE_STORAGE), str)
    ):
        raise bad('"mediator"."embedded" needs a "flavour", a "wallet_dir" and "ports" admin, http and ws')
    return EmbeddedMediator(value["flavour"], value["wallet_dir"], dict(ports), value.get("storage", SQLITE_STORAGE))


def check_mediator(
    population: Population, endpoint: str, embedded_flavour: str | None = None, embedded_storage: str | None = None
) -> None:
    """PopulationError unless this run's mediator is the one the population belongs to: the same endpoint and,
    for the embedded mediator, a population made with it, in a flavour this run may start, its wallet in the
    storage this run names (`embedded_storage`; None: any)."""
    saved = population.mediator
    where = f"wallet population {population.path}"
    if embedded_flavour is not None or endpoint == "":
        if saved.embedded is None:
            raise PopulationError(
                f"{where} belongs to the mediator at {saved.endpoint}, not to the embedded one: set MEDIATION_URL "
                "to that mediator's invitation, or name another file to onboard anew"
            )
        if embedded_flavour not in (None, "auto", saved.embedded.flavour):
            raise PopulationError(
                f"{where} was made with the embedded {saved.embedded.flavour} mediator, "
                f"not {embedded_flavour}: set MEDIATOR_FLAVOUR={saved.embedded.flavour}"
            )
        if embedded_storage not in (None, saved.embedded.storage):
            raise PopulationError(
                f"{where} was made with the embedded mediator's wallet in {saved.embedded.storage}, not in "
                f"{embedded_storage}, where it knows none of its wallets: set MEDIATOR_STORAGE={saved.embedded.storage}"
            )
        return
    if saved.endpoint != endpoint:
        raise PopulationError(
            f"{where} belongs to the mediator at {saved.endpoint}, not to this run's at {endpoint}: "
            "its wallets are unknown there; name another file to onboard anew"
        )


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    # On the folder: the file itself is replaced at every write, and a lock file would be left beside it.
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)


def add_wallets(path: str | os.PathLike[str], mediator: MediatorOfPopulation, wallets: list[dict[str, Any]]) -> int:
    """Add `wallets` (by their `did`; one already there is kept) to the population at `path`, made if missing;
    the number of wallets it holds afterwards. PopulationError when the file belongs to another mediator."""
    target = Path(path)
    with _locked(target):
        existing = read_population(target)
        if existing is not None and existing.mediator.endpoint != mediator.endpoint:
            raise PopulationError(
                f"wallet population {target} belongs to the mediator at {existing.mediator.endpoint}, "
                f"not to {mediator.endpoint}: its wallets were not added"
            )
        kept = list(existing.wallets) if existing is not None else []
        known = {wallet["did"] for wallet in kept}
        kept += [wallet for wallet in wallets if wallet["did"] not in known]
        document = {
            "format": FORMAT,
            "version": VERSION,
            "mediator": (existing.mediator if existing is not None else mediator).to_json(),
            "wallets": kept,
        }
        write_text_atomic(target, json.dumps(document, indent=1))
        os.chmod(target, _MODE)  # a file made before by hand keeps no wider mode: it holds keys
        return len(kept)


def share_of(wallets: tuple[dict[str, Any], ...], index: int, count: int) -> tuple[dict[str, Any], ...]:
    """The wallets worker `index` of `count` reconnects: every `count`-th from its index, so workers share
    the population without overlap and the same wallets go to the same worker in every run."""
    if count < 1 or not 0 <= index < count:
        return ()
    return wallets[index::count]
