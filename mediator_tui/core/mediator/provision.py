"""Install a mediator runtime (a pip requirement on a given Python) into its own venv in the cache.

A venv counts as installed only once its stamp file exists: the stamp is written
last, so an install interrupted half-way is thrown away and redone.
"""

from __future__ import annotations

import collections
import fcntl
import json
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from . import interpreters
from .errors import ProvisionError
from .paths import cache_dir

Progress = Callable[[str], None]

STAMP = ".mediator-tui-installed"
INSTALL_TIMEOUT_S = 1200.0
# pip lines worth showing a user; the rest (mostly index warnings) stay in the error tail only.
_SHOWN_PIP_PREFIXES = ("Collecting", "Downloading", "Installing", "Successfully", "ERROR")


@dataclass(frozen=True)
class RuntimeVariant:
    """One way to run a flavour: a pip requirement installed on one Python minor version."""

    key: str  # directory name in the cache, unique per requirement and Python
    python: tuple[int, int]
    requirement: str
    entry_point: str  # console script the venv must provide

    @property
    def label(self) -> str:
        return f"{self.requirement} on Python {self.python[0]}.{self.python[1]}"


@dataclass(frozen=True)
class Runtime:
    variant: RuntimeVariant
    venv: Path

    @property
    def entry_point(self) -> Path:
        return self.venv / "bin" / self.variant.entry_point


def runtimes_dir() -> Path:
    return cache_dir() / "runtimes"


def installed(variant: RuntimeVariant) -> Runtime | None:
    venv = runtimes_dir() / variant.key
    stamp = venv / STAMP
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None
    runtime = Runtime(variant, venv)
    # The venv links to its base interpreter: a removed pyenv version breaks it.
    if recorded.get("requirement") != variant.requirement or not _runs(venv / "bin" / "python"):
        return None
    return runtime


def _runs(python: Path) -> bool:
    try:
        return subprocess.run([str(python), "-c", "pass"], timeout=interpreters.PROBE_TIMEOUT_S,
                              capture_output=True, stdin=subprocess.DEVNULL).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _quiet(_line: str) -> None:
    pass


def pythons_text(variants: list[RuntimeVariant]) -> str:
    return " or ".join(f"Python {v.python[0]}.{v.python[1]}" for v in variants)


def ensure(variants: list[RuntimeVariant], progress: Progress | None = None,
           missing_hint: str = "") -> Runtime:
    """The newest of `variants` that is installed or installable here, installing it if needed."""
    progress = progress or _quiet
    for variant in variants:
        runtime = installed(variant)
        if runtime:
            return runtime
        interpreter = interpreters.find(variant.python)
        if interpreter:
            return install(variant, interpreter, progress)
    message = (f"no {pythons_text(variants)} interpreter found on PATH or in pyenv "
               f"(looked in: {interpreters.searched_places()}); install one")
    raise ProvisionError(message + (f" or {missing_hint}" if missing_hint else ""))


@contextmanager
def _install_lock(variant: RuntimeVariant) -> Iterator[None]:
    runtimes_dir().mkdir(parents=True, exist_ok=True)
    with open(runtimes_dir() / f"{variant.key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def install(variant: RuntimeVariant, interpreter: interpreters.Interpreter,
            progress: Progress | None = None) -> Runtime:
    progress = progress or _quiet
    with _install_lock(variant):
        # Another process may have finished the same install while we waited.
        runtime = installed(variant)
        if runtime:
            return runtime
        venv = runtimes_dir() / variant.key
        if venv.exists():
            progress(f"removing unfinished install in {venv}")
            shutil.rmtree(venv)
        progress(f"installing {variant.label} into {venv} (about a minute)")
        deadline = time.monotonic() + INSTALL_TIMEOUT_S
        _run([interpreter.executable, "-m", "venv", str(venv)], progress, deadline)
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", variant.requirement],
             progress, deadline)
        runtime = Runtime(variant, venv)
        if not runtime.entry_point.exists():
            raise ProvisionError(f"{variant.label} installed but {runtime.entry_point} is missing")
        (venv / STAMP).write_text(json.dumps({"requirement": variant.requirement,
                                              "python": interpreter.executable}))
        progress(f"installed {variant.label}")
        return runtime


def _run(argv: list[str], progress: Progress, deadline: float) -> None:
    tail: collections.deque[str] = collections.deque(maxlen=30)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    assert proc.stdout is not None
    # pip can go silent (a stuck download); a timer bounds the whole step.
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            line = line.rstrip()
            tail.append(line)
            if line.startswith(_SHOWN_PIP_PREFIXES):
                # "Installing collected packages" names all ~80 of them on one line.
                progress(line if len(line) <= 160 else line[:157] + "...")
        code = proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if time.monotonic() >= deadline:
        raise ProvisionError(f"{' '.join(argv)}: install took longer than {INSTALL_TIMEOUT_S:.0f}s")
    if code != 0:
        raise ProvisionError(f"{' '.join(argv)} failed (exit {code}):\n" + "\n".join(tail))
