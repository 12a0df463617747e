"""Whether a configuration can run: what its scenarios need, and whether the credo engine is installable.

Each locustfile declares its needs in a module-level tuple, `NEEDS = ("issuer", "ports")`,
read here with `ast`: checking a configuration imports neither Locust nor the scenario.
A file without the declaration needs nothing. The words:
- `issuer`: an issuer's admin API (`ISSUER_URL`);
- `ledger`: an Indy/AnonCreds credential definition and its schema (`CRED_DEF`, `SCHEMA`), as revocation needs;
- `credential`: a credential issued; with `CRED_DEF` (Indy/AnonCreds) it needs `SCHEMA` too, without it is W3C;
- `ports`: agents listening on ports of [START_PORT, END_PORT) at AGENT_IP, one port per agent;
- `ports-unless-mediated`: `ports` when `WITH_MEDIATION` is false;
- `offline-within-timeout`: `VERIFIED_TIMEOUT_SECONDS` longer than `OFFLINE_SECONDS`, since the delivery
  ledger counts a message lost once it has not arrived that long after it was sent.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from mediator_tui.common import node_agent
from mediator_tui.core.config.problem import Problem

NEEDS_NAME = "NEEDS"

# (setting, what it is for the user) pairs a scenario lacks, from the typed values.
Lacks = Callable[[Mapping[str, Any], int], list[tuple[str, str]]]


def _empty(values: Mapping[str, Any], key: str) -> bool:
    return not str(values.get(key) or "").strip()


def _issuer(values: Mapping[str, Any], _users: int) -> list[tuple[str, str]]:
    return [("ISSUER_URL", "the issuer's admin API")] if _empty(values, "ISSUER_URL") else []


def _ledger(values: Mapping[str, Any], _users: int) -> list[tuple[str, str]]:
    wanted = (("CRED_DEF", "a revocable Indy/AnonCreds credential definition"), ("SCHEMA", "the schema id of CRED_DEF"))
    return [(key, what) for key, what in wanted if _empty(values, key)]


def _credential(values: Mapping[str, Any], _users: int) -> list[tuple[str, str]]:
    if not _empty(values, "CRED_DEF") and _empty(values, "SCHEMA"):
        return [("SCHEMA", "the schema id of CRED_DEF, for Indy/AnonCreds issuance")]
    return []


def _ports(values: Mapping[str, Any], users: int) -> list[tuple[str, str]]:
    lacking = []
    if _empty(values, "AGENT_IP"):
        lacking.append(("AGENT_IP", "the address the issuer reaches listening agents at"))
    start, end = values.get("START_PORT"), values.get("END_PORT")
    # A range the wrong way round is reported by the range check itself.
    if start is not None and end is not None and start < end < start + users:
        lacking.append(
            (
                "END_PORT",
                f"a port per listening agent: [START_PORT, END_PORT) holds {end - start} "
                f"ports for {users} Locust users' agents",
            )
        )
    return lacking


def _ports_unless_mediated(values: Mapping[str, Any], users: int) -> list[tuple[str, str]]:
    return [] if values.get("WITH_MEDIATION", True) else _ports(values, users)


def _offline_within_timeout(values: Mapping[str, Any], _users: int) -> list[tuple[str, str]]:
    offline, timeout = values.get("OFFLINE_SECONDS"), values.get("VERIFIED_TIMEOUT_SECONDS")
    if offline is not None and timeout is not None and timeout <= offline:
        return [
            (
                "VERIFIED_TIMEOUT_SECONDS",
                f"longer than OFFLINE_SECONDS ({offline:g} s), or every message "
                "sent to the offline wallet counts as lost before it returns",
            )
        ]
    return []


NEEDS: dict[str, Lacks] = {
    "issuer": _issuer,
    "ledger": _ledger,
    "credential": _credential,
    "ports": _ports,
    "ports-unless-mediated": _ports_unless_mediated,
    "offline-within-timeout": _offline_within_timeout,
}


@lru_cache(maxsize=64)
def _declared(path: Path, mtime_ns: int) -> tuple[str, ...]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == NEEDS_NAME for t in node.targets):
            words = ast.literal_eval(node.value)
            if not (isinstance(words, tuple) and all(isinstance(w, str) for w in words)):
                raise ValueError(f"{NEEDS_NAME} must be a tuple of words")
            unknown = [w for w in words if w not in NEEDS]
            if unknown:
                raise ValueError(f"{NEEDS_NAME} names unknown needs {', '.join(unknown)} (known: {', '.join(NEEDS)})")
            return words
    return ()


def declared_needs(path: Path) -> tuple[str, ...]:
    """The needs a locustfile declares; ValueError when it cannot be read or the declaration is wrong."""
    try:
        return _declared(path, path.stat().st_mtime_ns)
    except SyntaxError as exc:
        raise ValueError(f"cannot be parsed (line {exc.lineno}: {exc.msg})") from None
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror or exc})") from None


def scenario_problems(paths: Iterable[Path], values: Mapping[str, Any], users: int | None = None) -> list[Problem]:
    """A problem per setting a scenario needs and lacks, naming the scenario; `users` overrides LOCUST_USERS."""
    users = values.get("LOCUST_USERS", 0) if users is None else users
    lacking: dict[tuple[str, str], list[str]] = {}
    problems = []
    for path in paths:
        try:
            words = declared_needs(path)
        except ValueError as exc:
            problems.append(Problem("LOCUST_FILES", f"{path.name} {exc}", scenario=path.name))
            continue
        for word in words:
            for key, what in NEEDS[word](values, users or 0):
                if key not in values:
                    continue  # a value that did not parse is reported as such
                lacking.setdefault((key, what), []).append(path.name)
    for (key, what), names in lacking.items():
        verb = "needs" if len(names) == 1 else "need"
        state = "is empty" if _empty(values, key) else "is too small"
        problems.append(Problem(key, f"{state}, but {', '.join(names)} {verb} it ({what})", scenario=",".join(names)))
    return problems


def engine_problems(values: Mapping[str, Any]) -> list[Problem]:
    """The credo engine refused where it can be neither found nor installed (an attached run's workers are
    someone else's)."""
    if values.get("AGENT_ENGINE") != "credo" or not _empty(values, "ATTACH_URL"):
        return []
    ready = node_agent.readiness()
    if ready.state != node_agent.IMPOSSIBLE:
        return []
    return [Problem("AGENT_ENGINE", f"credo {ready.describe()}")]


def engine_note(values: Mapping[str, Any]) -> str:
    """One line on the credo engine's install for `config check` ("" for the native engine)."""
    if values.get("AGENT_ENGINE") != "credo":
        return ""
    return f"AGENT_ENGINE=credo: the Credo agent {node_agent.readiness().describe()}"
