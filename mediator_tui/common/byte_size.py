"""Memory sizes in binary units (KiB, MiB, ...), as the TUI and report.html both show them."""

from __future__ import annotations

_BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def byte_size(value: int | float | None) -> str:
    """`624.0 KiB`, `1.2 MiB`; "–" when unknown (never shown as zero)."""
    if value is None:
        return "–"
    scaled = float(value)
    for unit in _BYTE_UNITS[:-1]:
        if abs(scaled) < 1024:
            return f"{scaled:.0f} {unit}" if unit == "B" else f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} {_BYTE_UNITS[-1]}"
