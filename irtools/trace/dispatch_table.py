"""One row per IREE dispatch: its invocations, wall time, CPU time and parallelism.

- `wall_ns`: the summed spans of the dispatch's invocations; an invocation's span
  runs from its first tile's start to its last tile's end (what a caller waits).
- `cpu_ns`: the summed time of its tiles on all worker threads.
- `parallelism`: cpu / wall, the workers busy on average while it ran.

Exact where a HAL profile of the same run is given: IREE recorded each
execution's start, end and tile time (`timing` "profile"). Otherwise estimated
from the Tracy zones (`timing` "tracy", see `invocations.py`); `ambiguous` marks
dispatches whose invocation count the capture leaves open.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from irtools.errors import UsageError
from irtools.trace.columns import Columns
from irtools.trace.dispatch import parse_dispatch
from irtools.trace.invocations import Invocations, tracy_invocations
from irtools.trace.model import Trace

LABELS = ("function", "ordinal", "op", "op_kind", "shape", "element_type")
WALL_STATS = {"total_ns": "wall_ns", "mean_ns": "wall_mean_ns", "median_ns": "wall_median_ns",
              "p90_ns": "wall_p90_ns", "min_ns": "wall_min_ns", "max_ns": "wall_max_ns"}
COLUMNS = ("name", *LABELS, "invocations", *WALL_STATS.values(), "cpu_ns", "parallelism",
           "tiles", "zones", "share", "timing", "ambiguous")
EXPLAIN = ("Wall: invocation spans (first tile's start to last tile's end) summed; "
           "Mean, Median, P90, Max: per invocation; CPU: tile time on all threads; "
           "Par. = CPU / Wall; Tiles: workgroups per invocation; Share: of the "
           "function's wall time. From: profile = exact (HAL profile), tracy = "
           "estimated from the zones, ? = concurrent invocations the capture cannot "
           "tell apart (a guessed count)")
SORT_COLUMNS = {"wall": "wall_ns", "total": "wall_ns", "cpu": "cpu_ns", "mean": "wall_mean_ns",
                "max": "wall_max_ns", "count": "invocations"}


def _per_name(inv: Invocations) -> dict[str, dict[str, Any]]:
    """Statistics of each name's invocations."""
    from irtools.trace.hotspots import sorted_stats

    if not len(inv):
        return {}
    order = np.lexsort((inv.wall, inv.name))
    name = inv.name[order]
    heads = np.flatnonzero(np.r_[True, name[1:] != name[:-1]])
    counts = np.diff(np.r_[heads, len(name)]).astype(np.int64)
    stats = sorted_stats(np.ascontiguousarray(inv.wall[order]), counts, 0)
    cpu = np.add.reduceat(inv.cpu[order], heads)
    cpu_unknown = np.logical_or.reduceat(inv.cpu[order] < 0, heads)
    zones = np.add.reduceat(inv.zones[order], heads)
    tiles = inv.tiles[order]
    known = tiles >= 0
    tile_sum = np.add.reduceat(np.where(known, tiles, 0), heads)
    tile_n = np.add.reduceat(known.astype(np.int64), heads)
    ambiguous = np.logical_or.reduceat(inv.ambiguous[order] | ~inv.verified[order], heads)
    out = {}
    for i, h in enumerate(heads):
        row: dict[str, Any] = {"invocations": int(counts[i])}
        row.update({col: int(stats[key][i]) for key, col in WALL_STATS.items()})
        row.update(cpu_ns=None if cpu_unknown[i] else int(cpu[i]), zones=int(zones[i]),
                   tiles=float(tile_sum[i] / tile_n[i]) if tile_n[i] else float("nan"),
                   ambiguous=bool(ambiguous[i]), timing=inv.source)
        out[inv.names[int(name[h])]] = row
    return out


def _aggregates(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows from iree-profile's per-dispatch aggregates (no per-invocation times)."""
    out = {}
    for name, r in rows.items():
        n = max(r["invocations"], 1)
        out[name] = {"invocations": r["invocations"], "wall_ns": r["wall_ns"],
                     "wall_mean_ns": r["wall_ns"] // n, "wall_median_ns": None,
                     "wall_p90_ns": None, "wall_min_ns": r["wall_min_ns"],
                     "wall_max_ns": r["wall_max_ns"], "cpu_ns": r["cpu_ns"], "zones": 0,
                     "tiles": r["tiles"] / n if r["tiles"] else float("nan"),
                     "ambiguous": False, "timing": "profile"}
    return out


def dispatch_table(trace: Trace, *, profile: Any = None, consume: bool = False) -> Columns:
    """Per dispatch: invocations, wall and CPU time (see the module doc), unsorted.

    `profile`: a HAL profile of the same run (.ireeprof, or iree-profile JSONL);
    its dispatches are exact, the others (initializers run before profiling
    began, say) are estimated from the zones. `consume=True`: the trace's zones are
    not used afterwards (see `tracy_invocations`).
    """
    from irtools.trace.hotspots import unnamed_warning

    found = tracy_invocations(trace, consume=consume)
    rows = _per_name(found)
    notes = list(found.notes)
    if profile is not None:
        from irtools.trace.ireeprof import profile_dispatches

        exact = profile_dispatches(profile)
        measured = _per_name(exact) if isinstance(exact, Invocations) else _aggregates(exact)
        for name, row in measured.items():
            row["zones"] = rows.get(name, {}).get("zones", 0)
            rows[name] = row
        if all(r["timing"] == "profile" for r in rows.values()):
            notes = []  # what the zones left open, the profile answered
    function_wall = found.function_wall_ns
    if not function_wall:
        function_wall = trace.last_time_ns
        notes.append("no iree_vm_invoke zone in the capture: shares are of its whole length")
    data: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for name, row in rows.items():
        parsed = parse_dispatch(name)
        data["name"].append(name)
        for col in LABELS:
            data[col].append(parsed.get(col) if parsed else None)
        wall = row["wall_ns"]
        cpu = row["cpu_ns"]
        row["parallelism"] = cpu / wall if cpu is not None and wall > 0 else float("nan")
        row["share"] = 100.0 * wall / function_wall if function_wall > 0 else float("nan")
        for col in COLUMNS[1 + len(LABELS):]:
            data[col].append(row[col])
    attrs = dict(trace=trace.path, by="dispatch", last_time_ns=trace.last_time_ns,
                 function_wall_ns=function_wall, profile=profile is not None, notes=notes,
                 explain=EXPLAIN)
    warning = None if profile is not None else unnamed_warning(*found.unnamed)
    if warning:
        attrs["warning"] = warning
    return Columns(data, attrs)


def sort_dispatches(table: Columns, *, sort: str | None = None, top: int | None = None,
                    filter: str | None = None) -> Columns:
    """Rows by `sort` (wall by default; cpu, mean, max, count), then name; `filter` a regex."""
    column = SORT_COLUMNS.get(sort or "wall")
    if column is None:
        raise UsageError(f"unknown sort key {sort!r}", expected=" | ".join(SORT_COLUMNS))
    from irtools.trace.hotspots import compile_filter

    pattern = compile_filter(filter)
    names, values = table["name"], table[column]
    rows = [i for i, n in enumerate(names) if pattern is None or pattern.search(n) is not None]
    rows.sort(key=lambda i: (-(values[i] or 0), names[i]))
    return table.take(rows[:top] if top is not None else rows)
