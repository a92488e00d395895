"""Compare two captures group by group: before/after, target against target."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from irtools.trace.hotspots import TraceLike, hotspots
from irtools.trace.model import Trace

if TYPE_CHECKING:
    import pandas as pd

    from irtools.trace import Progress

_KEEP = ("count", "total_ns", "mean_ns")
# A source location's identity across captures: its ids are per capture, and two
# of them may print the same name, file and line (see Trace.srcloc_instance).
SRCLOC_KEY = ["name", "src_file", "src_line", "src_function", "src_color", "src_instance"]
# Dispatches: wall time leads (delta and ratio are of wall_ns), CPU time beside it.
_KEEP_DISPATCH = ("invocations", "wall_ns", "wall_mean_ns", "cpu_ns", "parallelism")


def compare(a: TraceLike, b: TraceLike, *, by: str = "name", self_time: bool = False,
            top: int | None = None, filter: str | None = None, labels: tuple[str, str] = ("a", "b"),
            progress: Progress | None = None) -> pd.DataFrame:
    """Hotspot groups of two traces side by side, sorted by the size of the difference.

    Columns: the group columns, then count/total_ns/mean_ns for each side
    (suffixed with `labels`), `delta_ns` (total b - total a), `ratio` (total
    b / total a) and `mean_ratio`. A group missing on one side counts as 0.
    By dispatch: invocations, wall_ns, wall_mean_ns, cpu_ns and parallelism for
    each side; `delta_ns` and `ratio` compare wall times, `cpu_delta_ns` and
    `cpu_ratio` CPU times.
    """
    ta, tb = Trace.of(a, progress=progress), Trace.of(b, progress=progress)
    ha = hotspots(ta, by=by, self_time=self_time, filter=filter)
    hb = hotspots(tb, by=by, self_time=self_time, filter=filter)
    merged = compare_frames(ha, hb, by=by, top=top, labels=labels)
    merged.attrs.update(a=ta.path, b=tb.path, self_time=self_time)
    return merged


def compare_frames(ha: pd.DataFrame, hb: pd.DataFrame, *, by: str = "name", top: int | None = None,
                   labels: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """`compare` on two hotspot tables already made (e.g. merged with HAL profiles)."""
    from irtools.notebook.display import as_table

    key = ["op"] if by == "op" else (SRCLOC_KEY if by == "srcloc" else ["name"])
    la, lb = labels
    dispatches = by == "dispatch" and "wall_ns" in ha.columns and "wall_ns" in hb.columns
    keep = _KEEP_DISPATCH if dispatches else _KEEP
    total, mean = ("wall_ns", "wall_mean_ns") if dispatches else ("total_ns", "mean_ns")
    left = ha[key + list(keep)].rename(columns={c: f"{c}_{la}" for c in keep})
    right = hb[key + list(keep)].rename(columns={c: f"{c}_{lb}" for c in keep})
    merged = left.merge(right, on=key, how="outer")
    for c in keep:
        for side in (la, lb):
            column = merged[f"{c}_{side}"]
            # A group missing on a side ran 0 times there; parallelism is then unknown.
            merged[f"{c}_{side}"] = column.astype(float) if c == "parallelism" else \
                column.fillna(0).astype(np.int64)
    ta_, tb_ = merged[f"{total}_{la}"], merged[f"{total}_{lb}"]
    merged["delta_ns"] = tb_ - ta_

    def ratio(a: pd.Series, b: pd.Series) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, b / a.where(a > 0, 1), np.inf)
    merged["ratio"] = ratio(ta_, tb_)
    merged["mean_ratio"] = ratio(merged[f"{mean}_{la}"], merged[f"{mean}_{lb}"])
    if dispatches:
        ca, cb = merged[f"cpu_ns_{la}"], merged[f"cpu_ns_{lb}"]
        merged["cpu_delta_ns"] = cb - ca
        merged["cpu_ratio"] = ratio(ca, cb)
    order = merged["delta_ns"].abs().sort_values(ascending=False, kind="stable").index
    merged = merged.loc[order].reset_index(drop=True)
    if top is not None:
        merged = merged.head(top)
    merged = as_table(merged)
    merged.attrs.update(labels=labels, by=by)
    return merged
