"""How far each dispatch is from the machine's limits.

Per dispatch, from its work (`work.py`), its time per invocation (the median
where the table has it, else the mean) and the
measured ceilings of the device it ran on (`peak.py`):

    GFLOP/s   = FLOPs / wall time per invocation
    GB/s      = bytes moved / wall time per invocation
    intensity = FLOPs / byte
    attainable = min(compute ceiling, intensity x memory ceiling at the dispatch's footprint)
    % of ceiling = achieved / attainable; the bound is the smaller term.

A dispatch without FLOPs (a copy, a transpose) is held to the memory ceiling
alone. The compute ceiling is f32 FLOP/s; a dispatch of other element types is
measured against it all the same, and says so in `note`.

The percentage cannot exceed 100 unless the work is overcounted or the ceiling
is too low: `check()` names such dispatches.
"""

from __future__ import annotations

import math

COLUMNS = ["flops", "bytes", "intensity", "invocation_ns", "gflops", "gbps", "bound", "ceiling",
           "pct_of_ceiling", "work_note"]


def dispatch_roofline(work, invocations: int, wall_ns: float, ceilings=None,
                      per_invocation_ns: float | None = None) -> dict:
    """The roofline figures of one dispatch (a `DispatchWork`), its invocations
    and their summed wall time; `per_invocation_ns` (a median) replaces their mean."""
    out = dict.fromkeys(COLUMNS)
    out["work_note"] = ""
    if invocations and wall_ns and wall_ns > 0:
        out["invocation_ns"] = wall_ns / invocations
    if work is None:
        out["work_note"] = "no executable source"
        return out
    notes = list(work.notes)
    out["flops"], out["bytes"], out["intensity"] = work.flops, work.bytes, work.intensity
    if not invocations or not wall_ns or wall_ns <= 0:
        out["work_note"] = "; ".join(notes + ["no time"])
        return out
    ok = per_invocation_ns is not None and per_invocation_ns == per_invocation_ns \
        and per_invocation_ns > 0
    out["invocation_ns"] = per_invocation_ns if ok else wall_ns / invocations
    seconds = out["invocation_ns"] * 1e-9
    if work.flops is not None:
        out["gflops"] = work.flops / seconds / 1e9
    if work.bytes is not None:
        out["gbps"] = work.bytes / seconds / 1e9
    if ceilings is not None and work.bytes is not None and work.flops is not None:
        bandwidth = ceilings.bandwidth_at(work.bytes)
        if work.flops > 0 and work.bytes > 0:
            memory_flops = work.intensity * bandwidth
            if memory_flops < ceilings.flops:
                out["bound"], attainable = "memory", memory_flops
                out["ceiling"] = bandwidth / 1e9
            else:
                out["bound"], attainable = "compute", ceilings.flops
                out["ceiling"] = ceilings.flops / 1e9
            out["pct_of_ceiling"] = 100.0 * out["gflops"] * 1e9 / attainable
        elif work.bytes > 0:
            out["bound"], out["ceiling"] = "memory", bandwidth / 1e9
            out["pct_of_ceiling"] = 100.0 * out["gbps"] * 1e9 / bandwidth
        other = [t for t in work.element_types if t != "f32"]
        if work.flops and other:
            notes.append(f"compute ceiling is f32 ({', '.join(other)} here)")
    out["work_note"] = "; ".join(notes)
    return out


def add_roofline(frame, works: dict, ceilings=None, *, name="name", invocations="invocations",
                 wall="wall_ns", median="wall_median_ns"):
    """Add the roofline columns to a dispatch table (a DataFrame with one row per
    dispatch: its name, invocation count and summed wall time, and where known the
    median wall time per invocation, which a slow first call or a preempted one
    moves less than the mean)."""
    medians = frame[median] if median in frame.columns else [None] * len(frame)
    rows = [dispatch_roofline(works.get(n), i, w, ceilings, m)
            for n, i, w, m in zip(frame[name], frame[invocations], frame[wall], medians)]
    for col in COLUMNS:
        frame[col] = [r[col] for r in rows]
    frame.attrs["ceilings"] = ceilings
    return frame


def check(frame, limit: float = 100.0) -> list[str]:
    """Dispatches above `limit` % of their ceiling: the work or the ceiling is wrong."""
    bad = []
    for n, pct, bound in zip(frame["name"], frame["pct_of_ceiling"], frame["bound"]):
        if pct is not None and not math.isnan(pct) and pct > limit:
            bad.append(f"{n}: {pct:.0f}% of its {bound} ceiling")
    return bad
