"""Human units for times and sizes, shared by messages in the core and by rendering."""

from __future__ import annotations

_UNITS_NS = ((1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs"))


def human_ns(ns) -> str:
    """`25710000000` -> `25.71 s`, as Tracy's statistics view shows times."""
    try:
        ns = float(ns)
    except (TypeError, ValueError):  # None, or pandas' NA
        return "-"
    if ns != ns:  # NaN
        return "-"
    for scale, unit in _UNITS_NS:
        if abs(ns) >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.0f} ns"


def human_bytes(n) -> str:
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
