"""Install a mediator runtime (a pip requirement on a given Python) into its own venv in the cache.

The venv counts as installed once its stamp is written (see `mediator_tui.common.cached_install`),
so an install interrupted half-way is thrown away and redone.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from mediator_tui.common.app_dirs import cache_dir
from mediator_tui.common.cached_install import InstallError, Progress, install_once, quiet, read_stamp, run_step
from mediator_tui.core.mediator import interpreters
from mediator_tui.core.mediator.errors import ProvisionError

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
    recorded = read_stamp(venv)
    if recorded is None:
        return None
    runtime = Runtime(variant, venv)
    # The venv links to its base interpreter: a removed pyenv version breaks it.
    if recorded.get("requirement") != variant.requirement or not _runs(venv / "bin" / "python"):
        return None
    return runtime


def _runs(python: Path) -> bool:
    try:
        return (
            subprocess.run(
                [str(python), "-c", "pass"],
                timeout=interpreters.PROBE_TIMEOUT_S,
                capture_output=True,
                stdin=subprocess.DEVNULL,
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def pythons_text(variants: list[RuntimeVariant]) -> str:
    return " or ".join(f"Python {v.python[0]}.{v.python[1]}" for v in variants)


def ensure(variants: list[RuntimeVariant], progress: Progress | None = None, missing_hint: str = "") -> Runtime:
    """The newest of `variants` that is installed or installable here, installing it if needed."""
    progress = progress or quiet
    for variant in variants:
        runtime = installed(variant)
        if runtime:
            return runtime
        interpreter = interpreters.find(variant.python)
        if interpreter:
            return install(variant, interpreter, progress)
    message = (
        f"no {pythons_text(variants)} interpreter found on PATH or in pyenv "
        f"(looked in: {interpreters.searched_places()}); install one"
    )
    raise ProvisionError(message + (f" or {missing_hint}" if missing_hint else ""))


def install(
    variant: RuntimeVariant, interpreter: interpreters.Interpreter, progress: Progress | None = None
) -> Runtime:
    progress = progress or quiet
    venv = runtimes_dir() / variant.key
    runtime = Runtime(variant, venv)

    def build(deadline: float) -> None:
        run_step([interpreter.executable, "-m", "venv", str(venv)], deadline, progress=progress, shown=_shown)
        run_step(
            [str(venv / "bin" / "python"), "-m", "pip", "install", variant.requirement],
            deadline,
            progress=progress,
            shown=_shown,
        )
        if not runtime.entry_point.exists():
            raise ProvisionError(f"{variant.label} installed but {runtime.entry_point} is missing")

    try:
        install_once(
            venv,
            {"requirement": variant.requirement, "python": interpreter.executable},
            build,
            label=variant.label,
            is_installed=lambda: installed(variant) is not None,
            progress=progress,
        )
    except InstallError as err:
        raise ProvisionError(str(err)) from None
    return runtime


def _shown(line: str) -> bool:
    return line.startswith(_SHOWN_PIP_PREFIXES)
