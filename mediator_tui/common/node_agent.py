"""The Credo agent's Node project (`agent/`): where it is installed, installing it, what its scripts need.

The credo engine (`mediator_tui.agents.credo`) runs its `agent.js`, the `credo` mediator
flavour (`mediator_tui.core.mediator.credo`) its `mediator.js`. The installed project
used is, first match:
1. the folder `MEDIATOR_TUI_AGENT_DIR` names (installed there by the user with `npm ci`);
2. the shipped sources themselves once `npm ci` ran in them (`make agent` in a checkout);
3. a copy in `$XDG_CACHE_HOME/mediator-tui/agent/<hash of the shipped sources>`, installed
   on first use or by `mediator-tui agents provision`; another release, or a changed script
   (agent.js, mediator.js, lib/), gets its own copy rather than running a stale one.

No npm package ships askar's native library (their install scripts download it,
which is not possible everywhere), so it comes from the `aries-askar` Python
wheel, pinned as a pair with the Node binding in `agent/package.json`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mediator_tui.common.app_dirs import cache_dir
from mediator_tui.common.bundled import AGENT, bundled_dir
from mediator_tui.common.cached_install import InstallError, Progress, install_once, quiet, read_stamp, run_step

AGENT_DIR_ENV = "MEDIATOR_TUI_AGENT_DIR"
# What Node itself reads from the environment, passed to every Node process the tool starts.
NODE_VARIABLES = ("NODE_OPTIONS", "NODE_EXTRA_CA_CERTS")
ASKAR_LIBRARY_ENV = "LIB_ARIES_ASKAR_PATH"
ASKAR_LIBRARY_FILE = "libaries_askar.so"
ASKAR_WHEEL = "aries-askar==0.3.2"
PROVISION_COMMAND = "mediator-tui agents provision"
LABEL = "the Credo agent (agent/, npm ci)"
NODE_NEEDED = "Node.js 20 or newer, with npm"

INSTALLED, ON_FIRST_USE, IMPOSSIBLE = "installed", "on first use", "impossible"


class NodeAgentError(Exception):
    """The agent project cannot be used or installed; the message says what to do."""


@dataclass(frozen=True)
class Readiness:
    state: str  # INSTALLED, ON_FIRST_USE or IMPOSSIBLE
    folder: Path | None  # where it is installed or will be
    reason: str = ""  # why IMPOSSIBLE

    def describe(self) -> str:
        if self.state == INSTALLED:
            return f"installed in {self.folder}"
        if self.state == ON_FIRST_USE:
            return f"will be installed on first use into {self.folder} (or now: `{PROVISION_COMMAND}`)"
        return f"cannot be installed here: {self.reason}"


def sources() -> Path:
    return bundled_dir(AGENT)


def _npm_installed(folder: Path) -> bool:
    return (folder / "node_modules" / "@credo-ts" / "core").is_dir()


def _sources_hash() -> str:
    """A digest of every shipped file of the project (package-lock.json and the scripts), node_modules aside."""
    digest = hashlib.sha256()
    folder = sources()
    try:
        if not (folder / "package-lock.json").is_file():
            raise OSError
        shipped: list[Path] = []
        for root, folders, files in os.walk(folder):
            folders[:] = [name for name in folders if name != "node_modules"]  # not walked: thousands of files
            shipped.extend(Path(root, name) for name in files)
        for path in sorted(shipped):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        raise NodeAgentError(
            f"the agent sources are missing: no package-lock.json in {folder} (a broken install of mediator-tui?)"
        ) from None
    return digest.hexdigest()


def cache_copy() -> Path:
    return cache_dir() / "agent" / _sources_hash()[:16]


def _cached_copy_installed(folder: Path) -> bool:
    recorded = read_stamp(folder)
    return recorded is not None and recorded.get("sources") == _sources_hash() and _npm_installed(folder)


def installed_dir() -> Path | None:
    """The installed agent project to run, or None while it is not installed."""
    configured = os.environ.get(AGENT_DIR_ENV)
    if configured:
        return Path(configured) if _npm_installed(Path(configured)) else None
    if _npm_installed(sources()):
        return sources()
    copy = cache_copy()
    return copy if _cached_copy_installed(copy) else None


def _missing_tool() -> str:
    """Why nothing can be installed here ("" when node and npm are there), with what to do."""
    todo = f"install {NODE_NEEDED}, then run `{PROVISION_COMMAND}`"
    if not _node():
        return f"node is not on PATH: {todo}"
    if not shutil.which("npm"):
        return f"npm is not on PATH: {todo}"
    return ""


def readiness() -> Readiness:
    """Whether the agent project is installed, will be on first use, or cannot be (and why)."""
    folder = installed_dir()
    if folder is not None:
        return Readiness(INSTALLED, folder) if _node() else Readiness(IMPOSSIBLE, folder, _missing_tool())
    configured = os.environ.get(AGENT_DIR_ENV)
    if configured:
        return Readiness(
            IMPOSSIBLE, Path(configured), f"{AGENT_DIR_ENV}={configured} holds no installed agent (run `npm ci` there)"
        )
    missing = _missing_tool()
    return Readiness(IMPOSSIBLE, None, missing) if missing else Readiness(ON_FIRST_USE, cache_copy())


def ensure(progress: Progress | None = None) -> Path:
    """The installed agent project, installed into the cache first if it is not yet."""
    folder = installed_dir()
    if folder is not None:
        return folder
    ready = readiness()
    if ready.state == IMPOSSIBLE:
        raise NodeAgentError(f"the Credo agent cannot be used: {ready.reason}")
    return install(progress)


def install(progress: Progress | None = None) -> Path:
    """Copy the shipped sources into the cache and `npm ci` there (a minute or two)."""
    progress = progress or quiet
    folder = cache_copy()
    npm = shutil.which("npm")
    if not npm:
        raise NodeAgentError(f"the Credo agent cannot be installed: {_missing_tool()}")

    def build(deadline: float) -> None:
        shutil.copytree(sources(), folder, ignore=shutil.ignore_patterns("node_modules"))
        run_step(
            [npm, "ci", "--no-audit", "--no-fund"], deadline, progress=progress, cwd=folder, env=_npm_environment()
        )

    try:
        install_once(
            folder,
            {"sources": _sources_hash()},
            build,
            label=LABEL,
            is_installed=lambda: _cached_copy_installed(folder),
            progress=progress,
            expected="a minute or two",
        )
    except InstallError as err:
        raise NodeAgentError(str(err)) from None
    return folder


def _npm_environment() -> dict[str, str]:
    env = dict(os.environ)
    node = _node()
    # The ffi addons are built against the running Node's own headers when it has them
    # (agent/.npmrc names a system Node's /usr, which another Node install does not fill).
    prefix = Path(node).resolve().parents[1] if node else None
    if prefix and (prefix / "include" / "node" / "node_api.h").is_file():
        env["npm_config_nodedir"] = str(prefix)
    return env


def _node() -> str | None:
    return os.environ.get("NODE_BINARY") or shutil.which("node")


def node_binary() -> str:
    node = _node()
    if not node:
        raise NodeAgentError(_missing_tool())
    return node


def node_version() -> str:
    return subprocess.run([node_binary(), "--version"], capture_output=True, text=True, timeout=10).stdout.strip()


def script(name: str) -> Path:
    """A script of the installed agent project; NodeAgentError says how to install it."""
    folder = installed_dir()
    if folder is None:
        raise NodeAgentError(f"the Credo agent is not installed: run `{PROVISION_COMMAND}` ({readiness().describe()})")
    path = folder / name
    if not path.is_file():
        raise NodeAgentError(f"{path} not found (is {folder} the agent/ folder of mediator-tui?)")
    return path


def askar_library_dir() -> str:
    """The folder holding askar's native library: from the environment, else the Python wheel."""
    configured = os.environ.get(ASKAR_LIBRARY_ENV)
    if configured:
        candidates = [Path(configured)]
    else:
        # Located without importing: importing would load the library into this process.
        spec = importlib.util.find_spec("aries_askar")
        origin = spec.origin if spec else None
        if origin is None:
            raise NodeAgentError(f"askar native library not found: pip install {ASKAR_WHEEL}")
        package = Path(origin).parent
        candidates = [package, package / "native"]
    for folder in candidates:
        if (folder / ASKAR_LIBRARY_FILE).is_file():
            return str(folder)
    places = ", ".join(map(str, candidates))
    raise NodeAgentError(f"{ASKAR_LIBRARY_FILE} not found in {places} (pip install {ASKAR_WHEEL})")


def askar_environment() -> dict[str, str]:
    """What a process of the agent project needs in its environment to load askar."""
    return {ASKAR_LIBRARY_ENV: askar_library_dir()}
