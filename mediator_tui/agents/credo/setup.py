"""Where the pieces a Credo agent process needs are: node, `agent/agent.js`, the askar library.

No npm package ships askar's native library (their install scripts download it,
which is not possible everywhere), so it comes from the `aries-askar` Python
wheel, pinned as a pair with the Node binding in `agent/package.json`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from mediator_tui.agents.interface import AgentError

ASKAR_LIBRARY_ENV = "LIB_ARIES_ASKAR_PATH"
ASKAR_LIBRARY_FILE = "libaries_askar.so"
ASKAR_WHEEL = "aries-askar==0.3.2"
AGENT_DIR_ENV = "MEDIATOR_TUI_AGENT_DIR"


class CredoSetupError(AgentError):
    kind = "setup"


def agent_dir() -> Path:
    configured = os.environ.get(AGENT_DIR_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "agent"


def node_binary() -> str:
    node = os.environ.get("NODE_BINARY") or shutil.which("node")
    if not node:
        raise CredoSetupError("node is not on PATH (the credo engine needs Node.js 20 or newer)")
    return node


def script(name: str) -> Path:
    """A script of `agent/`, checked to be installed (`npm ci` there)."""
    folder = agent_dir()
    path = folder / name
    if not path.is_file():
        raise CredoSetupError(f"{path} not found (set {AGENT_DIR_ENV} to the agent/ folder)")
    if not (folder / "node_modules" / "@credo-ts" / "core").is_dir():
        raise CredoSetupError(f"Credo is not installed in {folder}: run `npm ci` there")
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
            raise CredoSetupError(f"askar native library not found: pip install {ASKAR_WHEEL}")
        package = Path(origin).parent
        candidates = [package, package / "native"]
    for folder in candidates:
        if (folder / ASKAR_LIBRARY_FILE).is_file():
            return str(folder)
    places = ", ".join(map(str, candidates))
    raise CredoSetupError(f"{ASKAR_LIBRARY_FILE} not found in {places} (pip install {ASKAR_WHEEL})")


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env[ASKAR_LIBRARY_ENV] = askar_library_dir()
    env.update(extra or {})
    return env
