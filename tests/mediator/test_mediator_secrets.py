"""The embedded mediator of each flavour starts with no secret on its command line (`ps` shows it to every
user of the host) and without the tool's or the user's secrets in its environment."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from mediator_tui.core.mediator import LocalMediator

pytestmark = pytest.mark.mediator

TOKEN = "exported-token-5e1b7c"


@pytest.mark.parametrize("flavour", ["acapy-legacy", "credo"])
def test_no_secret_in_the_mediators_command_line_or_environment(flavour, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ISSUER_HEADERS", f'{{"Authorization": "Bearer {TOKEN}"}}')
    monkeypatch.setenv("MY_API_KEY", TOKEN)
    with LocalMediator(flavour, run_dir=tmp_path) as mediator:
        processes = [psutil.Process(mediator.pid), *psutil.Process(mediator.pid).children(recursive=True)]
        for process in processes:
            command_line = " ".join(process.cmdline())
            assert "--wallet-key" not in command_line and "--admin-api-key" not in command_line, command_line
            environment = Path(f"/proc/{process.pid}/environ").read_bytes()
            assert TOKEN.encode() not in environment, command_line
        assert mediator.invitation_url  # it started, and answers its admin API with what it reads
