"""Installing one thing into its own folder of the cache: one install at a time, counted once finished.

A folder counts as installed only once its stamp file exists: the stamp is written
last, so an install interrupted half-way is thrown away and redone. Used for the
embedded mediator's Python runtimes and the Credo agent's Node project.
"""

from __future__ import annotations

import collections
import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

Progress = Callable[[str], None]

STAMP = ".mediator-tui-installed"
INSTALL_TIMEOUT_S = 1200.0


class InstallError(Exception):
    """An install step failed or took too long; the message ends with the step's last output lines."""


def quiet(_line: str) -> None:
    pass


def read_stamp(folder: Path) -> dict | None:
    """What the finished install recorded, or None (never installed, or interrupted)."""
    try:
        recorded = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else None


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def install_once(
    folder: Path,
    record: Mapping[str, str],
    build: Callable[[float], None],
    *,
    label: str,
    is_installed: Callable[[], bool],
    progress: Progress = quiet,
    expected: str = "about a minute",
) -> None:
    """Run `build(deadline)` to fill `folder`, unless another process finished it while we waited.

    The progress lines say what is installed where, how long it usually takes, and how long it took.
    """
    with _lock(folder):
        if is_installed():
            return
        if folder.exists():
            progress(f"removing unfinished install in {folder}")
            shutil.rmtree(folder)
        progress(f"installing {label} into {folder} ({expected})")
        started = time.monotonic()
        build(started + INSTALL_TIMEOUT_S)
        (folder / STAMP).write_text(json.dumps(dict(record)))
        progress(f"installed {label} in {time.monotonic() - started:.0f}s")


def apt_usable() -> bool:
    """Whether a missing system package may be installed here: as root, with `apt-get` on PATH."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def run_step(
    argv: list[str],
    deadline: float,
    *,
    progress: Progress = quiet,
    shown: Callable[[str], bool] = lambda line: True,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run one install command, passing the lines `shown` accepts to `progress`; InstallError on failure."""
    tail: collections.deque[str] = collections.deque(maxlen=30)
    try:
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
    except OSError as err:
        raise InstallError(f"{argv[0]} cannot be run: {err.strerror or err}") from None
    assert proc.stdout is not None
    # A download can go silent (pip, npm); a timer bounds the whole step.
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            line = line.rstrip()
            tail.append(line)
            if line and shown(line):
                # pip's "Installing collected packages" names all ~80 of them on one line.
                progress(line if len(line) <= 160 else line[:157] + "...")
        code = proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if time.monotonic() >= deadline:
        raise InstallError(f"{' '.join(argv)}: install took longer than {INSTALL_TIMEOUT_S:.0f}s")
    if code != 0:
        raise InstallError(f"{' '.join(argv)} failed (exit {code}):\n" + "\n".join(tail))
