"""Where the tool keeps what it installs (cache) and what is running (state), per the XDG base directories."""

from __future__ import annotations

import os
from pathlib import Path

APP_DIR = "mediator-tui"


def _xdg(variable: str, default: str) -> Path:
    value = os.environ.get(variable, "")
    # XDG says a relative value is invalid and must be ignored.
    base = Path(value) if value and os.path.isabs(value) else Path.home() / default
    return base / APP_DIR


def cache_dir() -> Path:
    """Installed runtimes (`$XDG_CACHE_HOME/mediator-tui`, default ~/.cache/mediator-tui)."""
    return _xdg("XDG_CACHE_HOME", ".cache")


def state_dir() -> Path:
    """Running mediators' state and logs (`$XDG_STATE_HOME/mediator-tui`, default ~/.local/state/mediator-tui)."""
    return _xdg("XDG_STATE_HOME", ".local/state")
