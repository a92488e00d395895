"""Hotspots of the runs in a run directory, with HAL-profile times and source links.

In the dispatch view a run's `.ireeprof` is merged in, so dispatches Tracy
cannot see (vulkan, vmvx on local-task) still get device times, and each
dispatch row points to its executable source and to the IR dump that holds its
pass history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irtools.trace.dispatch import executable_of

if TYPE_CHECKING:  # layout imports this module for RunDir.hotspots
    from irtools.run.layout import RunInfo


def run_hotspots(run: RunInfo, *, by: str = "name", profile: bool = True, top=None,
                 progress=None, tree: bool = False, **options):
    """The hotspot table of one run, as `irtools hotspots RUN` shows it."""
    from irtools.trace.hotspots import hotspots, merge_profile
    from irtools.trace.model import Trace

    trace = Trace.open(run.trace, progress=progress, tree=tree or options.get("self_time", False))
    if by == "op" and profile and run.profile is not None:
        by_dispatch = run_hotspots(run, by="dispatch", progress=progress, **options)
        if (by_dispatch["time_source"] == "ireeprof").any():
            return _by_op(by_dispatch, top)
    merge = profile and by == "dispatch" and run.profile is not None
    frame = hotspots(trace, by=by, top=None if merge else top, **options)
    if merge:
        from irtools.trace.ireeprof import dispatch_profile

        frame = merge_profile(frame, dispatch_profile(run.profile))
        if options.get("filter"):
            frame = frame[frame["name"].str.contains(options["filter"], regex=True)]
        if top:
            frame = frame.head(top)
        frame = frame.reset_index(drop=True)
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
    """Sum a dispatch table (with profile rows) by op kind, for `--by op`."""
    import numpy as np

    frame = (dispatches.groupby("op", as_index=False, sort=False)
             .agg(count=("count", "sum"), total_ns=("total_ns", "sum"), share=("share", "sum"),
                  time_source=("time_source", lambda s: "+".join(sorted(set(s))))))
    frame["mean_ns"] = (frame["total_ns"] / frame["count"]).round().astype("Int64")
    for col in ("median_ns", "min_ns", "max_ns", "std_ns", "p90_ns", "p99_ns"):
        frame[col] = np.nan  # per-call times are not in a HAL profile's aggregates
    frame = frame.sort_values("total_ns", ascending=False, kind="stable").reset_index(drop=True)
    frame = frame[["op", "count", "total_ns", "mean_ns", "median_ns", "min_ns", "max_ns",
                   "std_ns", "p90_ns", "p99_ns", "share", "time_source"]]
    frame.attrs.update(dispatches.attrs, by="op")
    return frame.head(top) if top else frame
