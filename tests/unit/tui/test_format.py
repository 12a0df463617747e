"""Figures as the panes print them: short, with units, blank (–) when unknown."""

from __future__ import annotations

import pytest

from mediator_tui.common.byte_size import byte_size
from mediator_tui.tui import format as fmt


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "–"), (0, "0"), (9_999, "9,999"), (12_345, "12.3k"), (3_400_000, "3.4M"), (7_000_000_000, "7.0G")],
)
def test_count(value, shown):
    assert fmt.count(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "–"), (512, "512 B"), (180_000, "175.8 KiB"), (10_800_000, "10.3 MiB"), (2**50 * 3, "3072.0 TiB")],
)
def test_byte_size(value, shown):
    assert byte_size(value) == shown


@pytest.mark.parametrize(("seconds", "shown"), [(None, "–"), (9.7, "9s"), (120, "2m00s"), (3_725, "1h02m05s")])
def test_duration(seconds, shown):
    assert fmt.duration(seconds) == shown


def test_rates_and_latencies_keep_their_units():
    assert (fmt.rate(0.25), fmt.rate(1234.5), fmt.rate(None)) == ("0.2/s", "1,234/s", "–")
    assert (fmt.millis(38.4), fmt.millis(12_500), fmt.millis(None)) == ("38 ms", "12.5 s", "–")


@pytest.mark.parametrize(
    ("fraction", "shown"), [(None, "····"), (0, "····"), (0.5, "██··"), (1.0, "████"), (1.7, "████"), (0.125, "▌···")]
)
def test_bar(fraction, shown):
    assert fmt.bar(fraction, 4) == shown
