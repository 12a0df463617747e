"""docs/configuration.md and sample.env are what docs/gen_config.py writes from the settings schema."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import pytest
from dotenv import dotenv_values

from mediator_tui.core.config.schema import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "stale: regenerate with `python docs/gen_config.py` and commit the result"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_config", ROOT / "docs" / "gen_config.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_configuration_page_is_what_the_schema_generates() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == _generator().configuration_page(), (
        REGENERATE
    )


def test_committed_sample_env_is_what_the_schema_generates() -> None:
    assert (ROOT / "sample.env").read_text(encoding="utf-8") == _generator().sample_env(), REGENERATE


def test_the_page_and_sample_env_name_every_setting_once() -> None:
    gen = _generator()
    page = gen.configuration_page()
    for s in SETTINGS:
        assert page.count(f"| `{s.key}` |") == 1, s.key
    sample = dotenv_values(stream=io.StringIO(gen.sample_env()))
    assert sorted(sample) == sorted(s.key for s in SETTINGS)
    assert sample["MEDIATION_URL"] == ""


def test_regenerating_writes_identical_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _generator()
    monkeypatch.setattr(gen, "CONFIGURATION_PAGE", tmp_path / "configuration.md")
    monkeypatch.setattr(gen, "SAMPLE_ENV", tmp_path / "sample.env")
    assert gen.main() == 0
    assert (tmp_path / "configuration.md").read_text(encoding="utf-8") == (
        ROOT / "docs" / "configuration.md"
    ).read_text(encoding="utf-8"), REGENERATE
    assert (tmp_path / "sample.env").read_bytes() == (ROOT / "sample.env").read_bytes(), REGENERATE
