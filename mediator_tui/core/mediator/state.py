"""The record of the detached mediator that `mediator up` started, shared by CLI calls."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mediator_tui.common.app_dirs import state_dir
from mediator_tui.core.atomic_file import write_text_atomic


def state_file() -> Path:
    return state_dir() / "mediator.json"


@contextmanager
def locked() -> Iterator[None]:
    """Serialise `up`/`down` calls so two of them never start or stop the same mediator twice."""
    state_dir().mkdir(parents=True, exist_ok=True)
    with open(state_dir() / "mediator.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def load() -> dict[str, Any] | None:
    """The record; None when there is none or it is not a JSON object (a damaged file is no mediator)."""
    try:
        state = json.loads(state_file().read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def save(state: dict[str, Any]) -> None:
    write_text_atomic(state_file(), json.dumps(state, indent=2))


def clear() -> None:
    state_file().unlink(missing_ok=True)
