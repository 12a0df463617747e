"""A `.env` line that cannot be parsed is named by its number (and key), never echoed."""

from __future__ import annotations

from pathlib import Path

from mediator_tui.commands.cli import main
from mediator_tui.core.config import check_file

SECRET = "s3cr3t-t0ken-9f8e"


def test_an_unparseable_line_is_named_by_its_number_only(tmp_path: Path, capsys) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"LOCUST_USERS=2\nMY_LINK='https://x.example/?q={SECRET}\n{SECRET} no key here\nLOCUST_SPAWN_RATE=1\n"
    )
    _, _, problems = check_file(env)
    texts = [str(problem) for problem in problems]
    assert any("line 2 cannot be parsed" in text and "MY_LINK" in text for text in texts), texts
    assert all(SECRET not in text for text in texts), texts
    assert main(["config", "check", "--env", str(env)]) == 2
    out = capsys.readouterr()
    assert "line 2" in out.out + out.err and SECRET not in out.out + out.err
