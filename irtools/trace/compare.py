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


def compare(a: TraceLike, b: TraceLike, *, by: str = "name", self_time: bool = False,
            top: int | None = None, filter: str | None = None, labels: tuple[str, str] = ("a", "b"),
            progress: Progress | None = None) -> pd.DataFrame:
    """Hotspot groups of two traces side by side, sorted by the size of the difference.

    Columns: the group columns, then count/total_ns/mean_ns for each side
    (suffixed with `labels`), `delta_ns` (total b - total a), `ratio` (total
    b / total a) and `mean_ratio`. A group missing on one side counts as 0.
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
    left = ha[key + list(_KEEP)].rename(columns={c: f"{c}_{la}" for c in _KEEP})
    right = hb[key + list(_KEEP)].rename(columns={c: f"{c}_{lb}" for c in _KEEP})
    merged = left.merge(right, on=key, how="outer")
    for c in _KEEP:
        for side in (la, lb):
            merged[f"{c}_{side}"] = merged[f"{c}_{side}"].fillna(0).astype(np.int64)
    ta_, tb_ = merged[f"total_ns_{la}"], merged[f"total_ns_{lb}"]
    merged["delta_ns"] = tb_ - ta_
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["ratio"] = np.where(ta_ > 0, tb_ / ta_.where(ta_ > 0, 1), np.inf)
        ma, mb = merged[f"mean_ns_{la}"], merged[f"mean_ns_{lb}"]
        merged["mean_ratio"] = np.where(ma > 0, mb / ma.where(ma > 0, 1), np.inf)
    order = merged["delta_ns"].abs().sort_values(ascending=False, kind="stable").index
    merged = merged.loc[order].reset_index(drop=True)
    if top is not None:
        merged = merged.head(top)
    merged = as_table(merged)
    merged.attrs.update(labels=labels, by=by)
    return merged
