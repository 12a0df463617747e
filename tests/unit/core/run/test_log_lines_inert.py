"""Log lines, from the tool and from the processes it follows, reach the logs screen without escape sequences."""

from __future__ import annotations

from pathlib import Path

from mediator_tui.core.run.logs import LogTail


def test_followed_and_said_lines_lose_escape_sequences(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_bytes(b"\x1b[2J\x1b[31mmediator said: boom\x1b[0m\x07\n")
    tail = LogTail()
    tail.say("tool: \x1b]0;retitled\x07ok\x9b2J")
    tail.follow("worker", log)
    tail.stop()
    assert [(line.source, line.text) for line in tail.drain()] == [
        ("tool", "tool: ok"),
        ("worker", "mediator said: boom"),
    ]
