"""Remote text reaches a terminal without escape sequences or control characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediator_tui.common.terminal_text import printable


@pytest.mark.parametrize(
    ("remote", "shown"),
    [
        ("\x1b[31mred\x1b[0m error", "red error"),
        ("\x1b]0;owned\x07title", "title"),
        ("\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("bell\x07 back\x08space\rreturn", "bell backspacereturn"),
        ("c1\x9b2Jcsi \x85next", "c1csi next"),
        ("lines\nand\ttabs stay", "lines\nand\ttabs stay"),
        ("[bold red]markup is text[/]", "[bold red]markup is text[/]"),
        ("broken \x1b", "broken "),
    ],
)
def test_escape_sequences_and_control_characters_are_removed(remote, shown):
    assert printable(remote) == shown


@given(st.text())
def test_no_control_character_but_newline_and_tab_survives(text):
    assert not [c for c in printable(text) if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
