"""PostgreSQL's server programs (`initdb`, `postgres`) for the embedded mediator's private cluster.

Debian's `postgresql` package puts them in /usr/lib/postgresql/<major>/bin, off PATH; other systems put
them on PATH. Where neither has them and apt is usable (root, `apt-get` on PATH), `ensure` installs the
package; otherwise its error names what to install.
"""

from __future__ import annotations

import glob
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from mediator_tui.common.cached_install import InstallError, Progress, apt_usable, quiet, run_step
from mediator_tui.core.mediator.errors import ProvisionError

DEBIAN_GLOB = "/usr/lib/postgresql/*/bin"
PROGRAMS = ("initdb", "postgres")
APT_PACKAGE = "postgresql"
APT_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class PostgresBinaries:
    folder: Path

    def program(self, name: str) -> str:
        return str(self.folder / name)


def _has_programs(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in PROGRAMS)


def _major(folder: str) -> int:
    name = Path(folder).parent.name
    return int(name) if name.isdigit() else -1


def find(debian_glob: str = DEBIAN_GLOB) -> PostgresBinaries | None:
    """The newest Debian install, else `initdb` and `postgres` found together on PATH."""
    for folder in sorted(glob.glob(debian_glob), key=_major, reverse=True):
        if _has_programs(Path(folder)):
            return PostgresBinaries(Path(folder))
    on_path = shutil.which("initdb")
    if on_path and _has_programs(Path(on_path).resolve().parent):
        return PostgresBinaries(Path(on_path).resolve().parent)
    return None


def ensure(progress: Progress = quiet, debian_glob: str = DEBIAN_GLOB) -> PostgresBinaries:
    """The server programs, installed with apt where they are missing and apt is usable."""
    found = find(debian_glob)
    if found is not None:
        return found
    needed = (
        f"PostgreSQL's server programs ({', '.join(PROGRAMS)}) are not in {debian_glob} or on PATH; "
        f"install Debian's `{APT_PACKAGE}` package (`apt-get install {APT_PACKAGE}`) or your system's "
        f"PostgreSQL server, or set MEDIATOR_STORAGE=sqlite"
    )
    if not apt_usable():
        raise ProvisionError(needed)
    progress(f"installing {APT_PACKAGE} with apt-get (its programs are missing)")
    deadline = time.monotonic() + APT_TIMEOUT_S
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", APT_PACKAGE]
    try:
        try:
            run_step(install, deadline, progress=progress, env=env)
        except InstallError:
            # A fresh machine has no package lists yet.
            run_step(["apt-get", "update"], deadline, progress=progress, env=env)
            run_step(install, deadline, progress=progress, env=env)
    except InstallError as err:
        raise ProvisionError(f"{needed}\n`apt-get install {APT_PACKAGE}` failed: {err}") from None
    found = find(debian_glob)
    if found is None:
        raise ProvisionError(f"{needed}\n`apt-get install {APT_PACKAGE}` ran but did not provide them")
    return found
