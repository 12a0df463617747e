"""Find Python interpreters of a given minor version on PATH and in pyenv."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Interpreter:
    executable: str  # the real binary (pyenv shims resolved), used to create venvs
    version: tuple[int, int]


def pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def candidate_paths(version: tuple[int, int]) -> list[str]:
    """Every place looked at for `pythonX.Y`, in search order (PATH first, then pyenv)."""
    name = f"python{version[0]}.{version[1]}"
    found = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory:
            found.append(os.path.join(directory, name))
    versions_dir = pyenv_root() / "versions"
    if versions_dir.is_dir():
        minor = f"{version[0]}.{version[1]}"
        matching = [e for e in versions_dir.iterdir() if e.name == minor or e.name.startswith(minor + ".")]
        for entry in sorted(matching, key=_patch_level, reverse=True):
            found.append(str(entry / "bin" / "python"))
    return found


def _patch_level(entry: Path) -> tuple[int, str]:
    """Newest patch release first: 3.13.10 before 3.13.9 (a plain string sort gets that wrong)."""
    match = re.match(r"\d+\.\d+\.(\d+)", entry.name)
    return (int(match.group(1)) if match else -1, entry.name)


def searched_places() -> str:
    """Human-readable summary of where `find` looks, for error messages."""
    return f"PATH ({os.environ.get('PATH', '')}) and {pyenv_root() / 'versions'}"


def _probe(path: str) -> Interpreter | None:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return None
    try:
        # A pyenv shim exists for every installed version but fails when that
        # version is not selected, so run it rather than trusting the file.
        out = subprocess.run(
            [path, "-c", "import sys; print(sys.version_info[0], sys.version_info[1], sys.executable)"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor, executable = out.stdout.strip().split(" ", 2)
    return Interpreter(executable=executable, version=(int(major), int(minor)))


def find(version: tuple[int, int]) -> Interpreter | None:
    """The first working interpreter of exactly `version`, or None."""
    for path in candidate_paths(version):
        interpreter = _probe(path)
        if interpreter and interpreter.version == version:
            return interpreter
    return None
