"""Text from the network made inert for a terminal or a log line.

A mediator's error text, a master's failure message or an agent's stderr may hold escape sequences
(ECMA-48: CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ESC \\`, and the other `ESC x` forms) and control
characters that would move the cursor, recolour or retitle the terminal, or hide what follows. They are
removed; line feeds and tabs stay.
"""

from __future__ import annotations

import re

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC up to their terminator
    r"|\x1b[ -/]*[0-~]"  # the other ESC forms (two or more bytes)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the 8-bit CSI
)
# C0 but line feed and tab, DEL, C1; and ESC left over from a broken sequence.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without escape sequences and control characters (line feeds and tabs kept)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
