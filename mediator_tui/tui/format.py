"""Turn figures into short strings for narrow panes; no arithmetic beyond unit scaling. Memory sizes are
`mediator_tui.common.byte_size`, shared with report.html."""

from __future__ import annotations

import time


def count(value: int | float | None) -> str:
    if value is None:
        return "–"
    if abs(value) < 10_000:
        return f"{value:,.0f}"
    divisor, suffix = next((d, s) for d, s in ((1e9, "G"), (1e6, "M"), (1e3, "k")) if abs(value) >= d)
    return f"{value / divisor:.1f}{suffix}"


def rate(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}/s"
    return f"{value:.1f}/s"


def millis(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    return f"{value:,.0f} ms"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def bar(fraction: float | None, width: int) -> str:
    """A text gauge; eighths of a cell keep small changes visible in narrow panes."""
    if width <= 0:
        return ""
    if fraction is None:
        return "·" * width
    clamped = min(max(fraction, 0.0), 1.0)
    eighths = round(clamped * width * 8)
    full, partial = divmod(eighths, 8)
    partial_char = " ▏▎▍▌▋▊▉"[partial] if partial else ""
    return ("█" * full + partial_char).ljust(width, "·")[:width]


def axis(value: float) -> str:
    """Chart axis labels: at most five characters."""
    if value >= 1000:
        return count(value)
    if value >= 10 or value == 0:
        return f"{value:.0f}"
    return f"{value:.1f}"


def axis_millis(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.1f}s"
    return f"{value:.1f}ms" if 0 < value < 10 else f"{value:.0f}ms"


def clock(timestamp: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(timestamp))
