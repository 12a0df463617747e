"""Checks of a run's export: strict JSON, and no secret in any file of it or in the tool's stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mediator_tui.core.export import EXPORT_FILES


def strict_json(path: Path) -> Any:
    """The JSON of `path`, an AssertionError on any NaN or Infinity in it."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in {path.name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def assert_no_secret(out: Path, stderr: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in stderr
        for name in EXPORT_FILES:
            if (out / name).exists():
                assert secret not in (out / name).read_text(), name
