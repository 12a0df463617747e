"""Configuration: the settings schema, `.env` reading and atomic editing, validation, secrets.

`load_config()` is what runs use; the TUI's form edits an `EnvFile` and calls `validate()`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediator_tui.core.config.envfile import EnvFile, EnvFileError, quote_value
from mediator_tui.core.config.problem import Problem
from mediator_tui.core.config.schema import BY_KEY, GROUPS, SETTINGS, Setting
from mediator_tui.core.config.secrets import MASK, Redactor, is_secret, mask
from mediator_tui.core.config.validate import (
    LocustFiles,
    locustfiles_dir,
    parse_bool,
    parse_duration,
    project_root,
    validate,
)

__all__ = [
    "BY_KEY",
    "GROUPS",
    "MASK",
    "SETTINGS",
    "Config",
    "ConfigError",
    "EnvFile",
    "EnvFileError",
    "LocustFiles",
    "Problem",
    "Redactor",
    "Setting",
    "check_file",
    "is_secret",
    "load_config",
    "locustfiles_dir",
    "mask",
    "parse_bool",
    "parse_duration",
    "project_root",
    "quote_value",
    "validate",
]

DEFAULT_ENV_FILE = ".env"
_KEY_AT_START = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=")


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Config:
    values: dict[str, Any]
    raw: dict[str, str]
    path: Path | None = None
    problems: list[Problem] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def redactor(self, **given: str) -> Redactor:
        """Scrubs the configuration's secrets, and those of values `given` on the command line."""
        return Redactor({**self.raw, **{key: value for key, value in given.items() if value}})

    def masked(self) -> dict[str, str]:
        """Every raw setting as it may be shown: secrets replaced."""
        return {key: mask(key, value) for key, value in self.raw.items()}

    def child_environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for worker and agent processes: the process's own plus every setting."""
        env = dict(os.environ if base is None else base)
        for setting in SETTINGS:
            env.setdefault(setting.key, setting.default)
        env.update(self.raw)
        return env


def parse_problems(env_file: EnvFile) -> list[Problem]:
    """Lines dotenv cannot read, named by their key when one can be made out and by their number, never
    shown: a line that cannot be parsed cannot be told apart into key and value, so nothing in it can be masked."""
    problems = []
    for line, text in env_file.errors:
        match = _KEY_AT_START.match(text)
        key = match.group(1) if match else f"line {line}"
        problems.append(Problem(key, f"line {line} cannot be parsed (an unclosed quote?)"))
    return problems


def check_file(path: str | os.PathLike[str]) -> tuple[EnvFile, dict[str, Any], list[Problem]]:
    """Read and validate one `.env` file on its own (the environment is not consulted)."""
    env_file = EnvFile.read(path)
    problems = parse_problems(env_file)
    values, value_problems = validate(env_file.values(), base=Path(path).resolve().parent)
    return env_file, values, problems + value_problems


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    strict: bool = True,
    missing_ok: bool = False,
) -> Config:
    """Settings from the `.env` file (when present) overlaid, as dotenv does, by the environment.

    A file named explicitly must exist unless `missing_ok` (the TUI: the file it will save to).
    With `strict`, any problem raises `ConfigError` listing all of them.
    """
    environ = os.environ if environ is None else environ
    file_path = Path(path) if path is not None else Path(DEFAULT_ENV_FILE)
    raw: dict[str, str] = {}
    unparsed: list[Problem] = []
    if file_path.exists():
        try:
            env_file = EnvFile.read(file_path)
        except EnvFileError as exc:
            raise ConfigError([Problem(str(file_path), str(exc).removeprefix(f"{file_path}: "))]) from None
        raw.update(env_file.values())
        unparsed = parse_problems(env_file)
    elif path is not None and not missing_ok:
        raise ConfigError([Problem(str(file_path), "no such file")])
    raw.update({key: environ[key] for key in BY_KEY if key in environ})
    base = file_path.resolve().parent if file_path.exists() else None
    values, problems = validate(raw, base)
    problems = unparsed + problems
    if strict and problems:
        raise ConfigError(problems)
    return Config(values=values, raw=raw, path=file_path if file_path.exists() else None, problems=problems)
