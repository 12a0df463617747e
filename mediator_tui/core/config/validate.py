"""Turning raw `.env` strings into typed values, reporting every problem at once."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mediator_tui.common.bind_address import is_loopback, parse_bind_host
from mediator_tui.common.bundled import LOCUSTFILES, bundled_dir
from mediator_tui.common.invitation import InvitationError, decode_invitation_url
from mediator_tui.core.config.mediator_args import SecretFlag, parse_mediator_args
from mediator_tui.core.config.problem import Problem
from mediator_tui.core.config.runnable import engine_problems, scenario_problems
from mediator_tui.core.config.schema import SETTINGS, Setting

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})
PORT_MIN, PORT_MAX = 1024, 65535
# Locust turns a run time into a timedelta; a year is far beyond any load test and far below its limit.
MAX_DURATION_S = 365 * 24 * 3600
# The kernel's least CPU quota is 1 ms of the 100 ms period core/mediator/cpu_limit.py uses.
MIN_CORES = 0.01
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_DURATION = re.compile(r"(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?", re.I)


def project_root() -> Path:
    """The folder holding the `mediator_tui` package: the checkout, or site-packages once installed."""
    return Path(__file__).resolve().parents[3]


def locustfiles_dir() -> Path:
    """The shipped scenarios (installed with the package, or the checkout's `locustfiles/`)."""
    return bundled_dir(LOCUSTFILES)


@dataclass(frozen=True)
class LocustFiles:
    paths: tuple[Path, ...]
    extra_args: tuple[str, ...]


def parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("is not a boolean (use true/false, 1/0, yes/no)")


def parse_cores(raw: str) -> float | None:
    """A CPU limit in cores (`0.8`, or a Kubernetes quantity `800m`); empty means no limit."""
    text = raw.strip()
    if not text:
        return None
    try:
        cores = float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    except ValueError:
        raise ValueError("is not a number of cores (e.g. 0.8 or 800m)") from None
    if not MIN_CORES <= cores < float("inf"):
        raise ValueError(f"must be a positive number of cores, at least {MIN_CORES:g} (the kernel's least quota)")
    return cores


def parse_duration(raw: str) -> float | None:
    """Locust's spelling (`90`, `90s`, `5m`, `1h30m`) in seconds; empty means no limit."""
    text = raw.strip()
    if not text:
        return None
    match = _DURATION.fullmatch(text)
    if not match or not any(match.groups()):
        raise ValueError("is not a duration (e.g. 90s, 5m, 1h30m)")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total > MAX_DURATION_S:
        raise ValueError("is longer than a year")
    return float(total)


def parse_locust_files(raw: str, base: Path | None = None) -> LocustFiles:
    """`a.py,b.py --flag x` -> files (bare seed names resolve in locustfiles/) and the flags kept as given."""
    try:
        tokens = shlex.split(raw)
    except ValueError as exc:
        raise ValueError(f"cannot be split into words ({exc})") from None
    names: list[str] = []
    while tokens and not tokens[0].startswith("-"):
        names.extend(n.strip() for n in tokens.pop(0).split(",") if n.strip())
    if not names:
        raise ValueError("names no locustfile")
    paths = []
    missing = []
    for name in names:
        found = _resolve_locustfile(name, base)
        if found is None:
            missing.append(name)
        else:
            paths.append(found)
    if missing:
        raise ValueError(f"no such locustfile: {', '.join(missing)} (looked here and in {locustfiles_dir()})")
    return LocustFiles(tuple(paths), tuple(tokens))


def _resolve_locustfile(name: str, base: Path | None) -> Path | None:
    candidate = Path(name).expanduser()
    for path in (
        candidate if candidate.is_absolute() else (base or Path.cwd()) / candidate,
        locustfiles_dir() / candidate.name,
    ):
        if path.is_file():
            return path.resolve()
    return None


def parse_value(setting: Setting, raw: str, base: Path | None = None) -> Any:
    """The typed value of one setting; ValueError with a message saying what is wrong."""
    kind = setting.kind
    text = raw.strip()
    if kind == "str":
        return raw
    if kind in ("int", "port"):
        try:
            number = int(text)
        except ValueError:
            raise ValueError("is not a whole number") from None
        if kind == "port" and not PORT_MIN <= number <= PORT_MAX:
            raise ValueError(f"is outside the port range {PORT_MIN}-{PORT_MAX}")
        if kind == "int" and number < 0:
            raise ValueError("must not be negative")
        return number
    if kind == "float":
        try:
            amount = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
        if not amount >= 0 or amount == float("inf"):
            raise ValueError("must be a finite number >= 0")
        return amount
    if kind == "cores":
        return parse_cores(text)
    if kind == "bool":
        return parse_bool(text)
    if kind == "choice":
        word = text.lower()
        if word not in setting.choices:
            raise ValueError(f"must be one of {', '.join(setting.choices)}")
        return word
    if kind == "json":
        try:
            return json.loads(text or setting.default)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ValueError(f"is not valid JSON ({getattr(exc, 'msg', type(exc).__name__)})") from None
    if kind == "host":
        return parse_bind_host(text)
    if kind == "invitation":
        if not text:
            return None
        try:
            return decode_invitation_url(text)
        except InvitationError as exc:
            raise ValueError(f"is not a usable invitation URL: it {exc}") from None
    if kind == "url":
        if not text:
            return ""
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("is not an http(s) URL")
        return text.rstrip("/")
    if kind == "duration":
        if text.lower() in setting.choices:
            return text.lower()
        try:
            return parse_duration(text)
        except ValueError as error:
            if setting.choices:
                raise ValueError(f"{error} or {' / '.join(setting.choices)}") from None
            raise
    if kind == "pid":
        if not text:
            return None
        if not text.isdigit() or int(text) < 1:
            raise ValueError("is not a process id (a whole number above 0)")
        return int(text)
    if kind == "names":
        names = tuple(n.strip() for n in text.split(",") if n.strip())
        bad = [n for n in names if not _METRIC_NAME.fullmatch(n)]
        if bad:
            raise ValueError(f"holds what is no Prometheus series name: {', '.join(bad)}")
        return names
    if kind == "files":
        return parse_locust_files(raw, base)
    if kind == "args":
        return parse_mediator_args(text)
    raise AssertionError(f"setting {setting.key} has unknown kind {kind}")


def validate(raw: dict[str, str], base: Path | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Typed values for every setting (defaults filled in) and every problem found."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for setting in SETTINGS:
        text = raw.get(setting.key, setting.default)
        try:
            values[setting.key] = parse_value(setting, text, base)
        except SecretFlag as exc:  # the value holds a secret: the problem names the flag only
            problems.append(Problem(setting.key, str(exc)))
        except ValueError as exc:
            problems.append(Problem(setting.key, str(exc), text))
    # No process environment can carry a NUL byte: the run would fail later, far from the cause.
    problems.extend(
        Problem(key, "contains a NUL byte", value.replace("\0", "\\0")) for key, value in raw.items() if "\0" in value
    )
    problems.extend(_cross_checks(values))
    problems.extend(_shape_checks(values))
    files = values.get("LOCUST_FILES")
    if isinstance(files, LocustFiles):
        problems.extend(scenario_problems(files.paths, values))
    problems.extend(engine_problems(values))
    return values, problems


def _cross_checks(values: dict[str, Any]) -> list[Problem]:
    problems = []
    low, high = values.get("LOCUST_MIN_WAIT"), values.get("LOCUST_MAX_WAIT")
    if low is not None and high is not None and low > high:
        problems.append(Problem("LOCUST_MIN_WAIT", f"is greater than LOCUST_MAX_WAIT ({low:g} > {high:g})"))
    if values.get("MEDIATOR_PROXY_IDLE_TIMEOUT") == 0:
        problems.append(Problem("MEDIATOR_PROXY_IDLE_TIMEOUT", "must be at least 1s (or empty for the default)"))
    start, end = values.get("START_PORT"), values.get("END_PORT")
    if start is not None and end is not None and start >= end:
        problems.append(Problem("START_PORT", f"must be below END_PORT ({start} >= {end})"))
    if values.get("MEDIATOR_STORAGE") == "postgres":
        if values.get("MEDIATOR_FLAVOUR") == "credo":
            problems.append(Problem("MEDIATOR_STORAGE", "postgres needs an ACA-Py flavour (MEDIATOR_FLAVOUR is credo)"))
        if values.get("MEDIATOR_POSTGRES_MAX_CONNECTIONS") == 0:
            problems.append(Problem("MEDIATOR_POSTGRES_MAX_CONNECTIONS", "must be at least 1"))
    problems.extend(_instances_problems(values))
    remote, master_host = values.get("REMOTE_WORKERS"), values.get("MASTER_HOST")
    if remote and master_host is not None and is_loopback(master_host):
        problems.append(
            Problem(
                "REMOTE_WORKERS",
                f"needs MASTER_HOST to be an address other hosts reach (0.0.0.0 or one of this host's), "
                f"not {master_host}",
            )
        )
    return problems


def _instances_problems(values: dict[str, Any]) -> list[Problem]:
    instances = values.get("MEDIATOR_INSTANCES")
    if instances is None or instances == 1:
        return []
    if instances not in (1, 2):
        return [Problem("MEDIATOR_INSTANCES", f"must be 1 or 2, not {instances}")]
    lacking = [
        needed
        for needed, met in (
            ("an ACA-Py flavour (MEDIATOR_FLAVOUR is credo)", values.get("MEDIATOR_FLAVOUR") != "credo"),
            ("MEDIATOR_STORAGE=postgres (the wallet they share)", values.get("MEDIATOR_STORAGE") == "postgres"),
            ("MEDIATOR_PROXY=nginx (in front of them)", values.get("MEDIATOR_PROXY") == "nginx"),
        )
        if not met
    ]
    return [Problem("MEDIATOR_INSTANCES", "2 needs " + ", ".join(lacking))] if lacking else []


def _shape_checks(values: dict[str, Any]) -> list[Problem]:
    problems = []
    for key in ("ISSUER_HEADERS", "VERIFIER_HEADERS", "MEDIATOR_ADMIN_HEADERS"):
        headers = values.get(key)
        if headers is not None and not (
            isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
        ):
            problems.append(Problem(key, "must be a JSON object of header names to strings"))
    attrs = values.get("CRED_ATTR")
    if attrs is not None and not isinstance(attrs, list):
        problems.append(Problem("CRED_ATTR", "must be a JSON list of attributes"))
    return problems
