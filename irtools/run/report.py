"""Hotspots of the runs in a run directory, with HAL-profile times and source links.

In the dispatch view a run's `.ireeprof` makes invocations and wall times exact,
and gives times to dispatches Tracy cannot see (vulkan, vmvx on local-task); each
dispatch row points to its executable source and to the IR dump that holds its
pass history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irtools.trace.dispatch import executable_of

if TYPE_CHECKING:  # layout imports this module for RunDir.hotspots
    import os
    from collections.abc import Callable
    from typing import Any

    import pandas as pd

    from irtools.run.layout import RunInfo


def run_hotspots(run: RunInfo, *, by: str = "name", profile: bool = True, top=None,
                 progress=None, tree: bool = False, **options):
    """The hotspot table of one run, as `irtools hotspots RUN` shows it.

    In the dispatch view the run's HAL profile makes invocations and wall times
    exact (see `trace/dispatch_table.py`)."""
    from irtools.trace.hotspots import hotspots
    from irtools.trace.model import Trace

    trace = Trace.open(run.trace, progress=progress, tree=tree or options.get("self_time", False))
    hal = run.profile if profile else None
    frame = None
    if by == "op" and hal is not None:
        by_dispatch = hotspots(trace, by="dispatch", profile=hal)
        # Dispatches only the profile saw (vmvx on local-task names no tiles).
        if ((by_dispatch["timing"] == "profile") & (by_dispatch["zones"] == 0)).any():
            frame = _by_op(by_dispatch, top)
    if frame is None:
        frame = hotspots(trace, by=by, top=top, profile=hal if by == "dispatch" else None,
                         **options)
    if by == "dispatch":
        frame["source"] = [_str(run.source_of(n)) for n in frame["name"]]
        frame["executable"] = [executable_of(n) for n in frame["name"]]
        # `irtools ir history IR_DUMP @name` follows the dispatch through the passes.
        frame["ir_dump"] = _str(run.ir_dump)
    frame.attrs.update(run=run.name, trace_path=str(run.trace), zones=trace.zone_count,
                       last_time_ns=trace.last_time_ns)
    return frame


def _str(path):
    return str(path) if path is not None else None


def _by_op(dispatches, top):
    """Tile (CPU) time by op kind from a dispatch table, for `--by op` where Tracy cannot
    name the tiles (vmvx on local-task) and the HAL profile can."""
    import numpy as np

    d = dispatches.copy()
    tiles_total = (d["tiles"].fillna(0) * d["invocations"]).round().astype(np.int64)
    gpu = d["cpu_ns"].isna()  # a GPU's dispatches: device time, counted by invocation
    tracy = d["timing"] == "tracy"
    # Tracy's zones where it has them, as `--by op` counts elsewhere; the profile's tiles else.
    d["count"] = np.where(tracy, d["zones"], np.where(gpu, d["invocations"], tiles_total))
    d["total"] = np.where(gpu, d["wall_ns"], d["cpu_ns"].fillna(0)).astype(np.int64)
    d["time_source"] = np.where(tracy, "tracy", "ireeprof")
    last = dispatches.attrs.get("last_time_ns") or 0
    frame = (d.groupby("op", as_index=False, sort=False)
             .agg(count=("count", "sum"), total_ns=("total", "sum"),
                  time_source=("time_source", lambda s: "+".join(sorted(set(s))))))
    frame["mean_ns"] = (frame["total_ns"] / frame["count"].where(frame["count"] > 0)).round() \
        .astype("Int64")
    for col in ("median_ns", "min_ns", "max_ns", "std_ns", "p90_ns", "p99_ns"):
        frame[col] = np.nan  # per-tile times are not in a HAL profile
    frame["share"] = 100.0 * frame["total_ns"] / last if last else np.nan
    frame = frame.sort_values("total_ns", ascending=False, kind="stable").reset_index(drop=True)
    frame = frame[["op", "count", "total_ns", "mean_ns", "median_ns", "min_ns", "max_ns",
                   "std_ns", "p90_ns", "p99_ns", "share", "time_source"]]
    frame.attrs.update(dispatches.attrs, by="op")
    return frame.head(top) if top else frame


def stack_runs(frames: list, columns=("run",)):
    """Tables of several runs as one, each row led by `columns` (attributes of its table)."""
    import pandas as pd

    both = pd.concat([f.assign(**{c: f.attrs[c] for c in columns}) for f in frames],
                     ignore_index=True)
    both.attrs.update(frames[0].attrs)
    return both[[*columns, *[c for c in both.columns if c not in columns]]]


def runs_hotspots(path: str | os.PathLike[str], *, progress: Callable[[int, int], None] | None = None,
                  **options: Any) -> pd.DataFrame:
    """The hotspot tables of a run directory's traced runs, as one table with a `run` column
    first (what `irtools hotspots RUN_DIR --format csv` prints)."""
    from irtools.run.layout import RunDir

    frames = [run_hotspots(info, progress=progress, **options)
              for info in RunDir.open(path).run_list()]
    return stack_runs(frames)


def _side(path, *, by, self_time, filter, progress) -> dict:
    """Hotspot tables of one side of a comparison: {run name: table}; a capture is one
    unnamed run."""
    from irtools.run.layout import RunDir, is_run_dir
    from irtools.trace.hotspots import hotspots
    from irtools.trace.model import Trace

    options = dict(by=by, self_time=self_time, filter=filter)
    if isinstance(path, Trace) or not is_run_dir(path):
        trace = path if isinstance(path, Trace) else Trace.open(path, progress=progress,
                                                                 tree=self_time)
        return {None: hotspots(trace, **options)}
    return {info.name: run_hotspots(info, progress=progress, **options)
            for info in RunDir.open(path).run_list()}


def compare_run_hotspots(a, b, *, by: str = "name", self_time: bool = False, top: int | None = None,
                 filter: str | None = None, labels=("a", "b"), progress=None) -> list:
    """Compare two run directories (or a run directory and a capture), as `irtools compare`
    does: runs of the same name are paired, or the only run of each side. One table per pair;
    its attrs `a` and `b` name the two sides."""
    from irtools.errors import UsageError
    from irtools.trace.compare import compare_frames

    sa = _side(a, by=by, self_time=self_time, filter=filter, progress=progress)
    sb = _side(b, by=by, self_time=self_time, filter=filter, progress=progress)
    if len(sa) == 1 and len(sb) == 1:
        pairs = [(next(iter(sa)), next(iter(sb)))]
    else:
        pairs = [(name, name) for name in sa if name in sb]
        if not pairs:
            raise UsageError("the two run directories share no run name "
                             f"(A: {', '.join(map(str, sa))}; B: {', '.join(map(str, sb))})",
                             fix="name one run's folder on each side")
    frames = []
    for na, nb in pairs:
        f = compare_frames(sa[na], sb[nb], by=by, top=top, labels=labels)
        f.attrs.update(a=_name(a) + (f" ({na})" if na and len(sa) > 1 else ""),
                       b=_name(b) + (f" ({nb})" if nb and len(sb) > 1 else ""),
                       self_time=self_time)
        frames.append(f)
    return frames


def _name(side) -> str:
    from irtools.trace.model import Trace

    return side.path if isinstance(side, Trace) else str(side)
