"""A text cell of an exported CSV that a spreadsheet would run as a formula is written as text; numbers,
negative ones too, stay numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from mediator_tui.core.export.tables import _csv, failures_csv
from mediator_tui.core.metrics.snapshot import FailureRow
from tests.recording.replay import running_run


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "hostile", ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1"]
)
def test_a_cell_read_as_a_formula_is_neutralised(hostile):
    snapshot = replace(running_run(), failures=(FailureRow("POST", hostile, hostile, 3),))
    row = _rows(failures_csv(snapshot))[1]
    assert row == ["POST", "'" + hostile, "'" + hostile, "3"]


def test_a_carriage_return_neither_runs_a_formula_nor_splits_the_row():
    snapshot = replace(running_run(), failures=(FailureRow("POST", "ping", "\r=1+1\r\nnext", 2),))
    assert _rows(failures_csv(snapshot))[1:] == [["POST", "ping", "'\n=1+1\nnext", "2"]]


def test_negative_numbers_stay_numbers():
    """The history's negative figures (a mediator's session gap) are formatted as text before they are written."""
    text = _csv(["gap", "rate"], [["-3", "-0.25"], ["-1e3", "+4"]])
    assert _rows(text)[1:] == [["-3", "-0.25"], ["-1e3", "+4"]]
