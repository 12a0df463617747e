"""What a local run does with a wallet population (WALLET_POPULATION, `mediator_tui.core.population`) before
its workers start: refuse a file it cannot use, keep the embedded mediator's wallet beside the file (started
again on the ports the wallets know; with MEDIATOR_STORAGE=postgres its PostgreSQL cluster too), and make sure
the mediator still knows the saved wallets."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mediator_tui.core.mediator.postgres import POSTGRES
from mediator_tui.core.mediator.process import Ports
from mediator_tui.core.population import (
    Population,
    PopulationError,
    check_mediator,
    embedded_wallet_dir,
    invitation_endpoint,
    kept_cluster_dir,
    read_population,
)
from mediator_tui.core.run.controller import RunError

if TYPE_CHECKING:
    from mediator_tui.core.run.local import LocalSpec

POPULATION_SETTING = "WALLET_POPULATION"
CHECK_MODULE = "mediator_tui.agents.native.resume_check"


def population_path(env: dict[str, str]) -> Path | None:
    """The population file a run names, absolute (its workers run in another folder); None without one."""
    value = env.get(POPULATION_SETTING, "").strip()
    return Path(value).expanduser().resolve() if value else None


def prepare_population(spec: LocalSpec, path: Path, say: Callable[[str], None]) -> tuple[LocalSpec, Population | None]:
    """The run's spec with the embedded mediator's wallet folder (and saved ports, flavour) set, and the
    population at `path` (None: the file is new). RunError for a population this run cannot use."""
    if spec.env.get("AGENT_ENGINE", "native") != "native":
        raise RunError(f"{POPULATION_SETTING} needs AGENT_ENGINE=native: only native agents save and resume wallets")
    try:
        population = read_population(path)
        if population is not None:
            check_mediator(
                population,
                invitation_endpoint(spec.mediation_url) if spec.mediation_url else "",
                None if spec.mediation_url else (spec.mediator_flavour or "auto"),
                None if spec.mediation_url else spec.mediator_storage,
            )
    except PopulationError as error:
        raise RunError(str(error)) from None
    saved = f"{len(population.wallets)} saved wallets reconnect instead of onboarding" if population else "new"
    if spec.mediation_url:
        say(f"wallet population {path}: {saved}")
        return spec, population
    embedded = population.mediator.embedded if population is not None else None
    if embedded is None:
        wallet_dir = embedded_wallet_dir(path)
        spec = dataclasses.replace(spec, mediator_wallet_dir=wallet_dir)
    else:
        wallet_dir = Path(embedded.wallet_dir)
        if not wallet_dir.is_dir():
            raise RunError(
                f"wallet population {path}: the embedded mediator's wallet {wallet_dir} is gone, so no mediator "
                "knows its wallets; remove the file (and name it again) to onboard anew"
            )
        if embedded.storage == POSTGRES and not kept_cluster_dir(wallet_dir).is_dir():
            raise RunError(
                f"wallet population {path}: the embedded mediator's PostgreSQL cluster {kept_cluster_dir(wallet_dir)} "
                "is gone, so no mediator knows its wallets; remove the file (and name it again) to onboard anew"
            )
        spec = dataclasses.replace(
            spec,
            mediator_wallet_dir=wallet_dir,
            mediator_ports=Ports(**embedded.ports),
            mediator_flavour=embedded.flavour,
        )
    kept = f" (its PostgreSQL cluster in {kept_cluster_dir(wallet_dir)})" if spec.mediator_storage == POSTGRES else ""
    say(f"wallet population {path}: {saved}; the embedded mediator keeps its wallet in {wallet_dir}{kept}")
    return spec, population


def check_wallets_known(population: Population, timeout_s: float, env: dict[str, str]) -> None:
    """RunError with the engine's reason when the mediator does not answer the population's first wallet."""
    if not population.wallets:
        return
    request = json.dumps({"wallet": population.wallets[0], "timeout": timeout_s})
    try:
        answer = subprocess.run(
            [sys.executable, "-m", CHECK_MODULE],
            input=request,
            capture_output=True,
            text=True,
            timeout=timeout_s + 30,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RunError(f"wallet population {population.path}: could not check its first wallet: {error}") from None
    if answer.returncode != 0:
        reason = answer.stderr.strip().splitlines()[-1:] or [f"exit {answer.returncode}"]
        raise RunError(f"wallet population {population.path} refused: {reason[0]}")
