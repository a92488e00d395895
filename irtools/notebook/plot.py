"""Plots for notebooks: where people would rather look than read.

Each function takes what the analysis functions return (a Trace, its zones
DataFrame, a hotspots table), draws on `ax` (a new figure by default) and
returns the matplotlib Axes. Nothing here computes statistics of its own
beyond what the picture needs. matplotlib is an optional extra:
`pip install 'irtools[notebook]'`.
"""

from __future__ import annotations

import numpy as np

from irtools.errors import UsageError
from irtools.notebook.display import title_of
from irtools.units import human_ns

_UNITS = ((1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs"), (1, "ns"))


def time_unit(ns) -> tuple[int, str]:
    """The scale and unit that show `ns` (a typical value) as a number above 1."""
    for scale, unit in _UNITS:
        if abs(ns) >= scale:
            return scale, unit
    return 1, "ns"


def _axes(ax, size=(8, 4)):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("plots need matplotlib", fix="pip install 'irtools[notebook]'") from None
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _zones(source):
    """A zones DataFrame from a Trace, a path or a zones DataFrame."""
    if hasattr(source, "zones") and callable(source.zones):
        return source.zones(text=False)
    if isinstance(source, str) or hasattr(source, "__fspath__"):
        from irtools.trace.model import Trace

        return Trace.open(source).zones(text=False)
    return source


def duration_histogram(source, name: str, *, bins: int = 50, log: bool = False, ax=None):
    """Histogram of the durations of the zones named `name` (their effective name).

    `source`: a Trace, a capture's path or a zones DataFrame. The median and
    the 90th percentile are marked.
    """
    zones = _zones(source)
    durations = zones.loc[(zones["name"] == name) & zones["duration_ns"].notna(), "duration_ns"]
    if durations.empty:
        raise UsageError(f"no finished zone is named {name!r}",
                         fix="pick a name from irtools.hotspots(trace)['name']")
    values = durations.to_numpy(np.int64)
    median, p90 = np.percentile(values, [50, 90])
    scale, unit = time_unit(median)
    ax = _axes(ax)
    ax.hist(values / scale, bins=bins, log=log, color="#4c72b0")
    for value, label, style in ((median, "median", "-"), (p90, "p90", "--")):
        ax.axvline(value / scale, color="#c44e52", linestyle=style,
                   label=f"{label} {human_ns(value)}")
    ax.set_xlabel(f"duration ({unit})")
    ax.set_ylabel("zones")
    ax.set_title(f"{name}: {len(values):,} zones", loc="left", fontsize=10)
    ax.legend(fontsize=8)
    return ax


def hotspot_bars(frame, *, top: int = 15, column: str | None = None, ax=None):
    """Horizontal bars of a hotspots table's `column`, largest on top: by default its total
    time (the wall time of a dispatch table)."""
    total = "wall_ns" if "wall_ns" in frame.columns else "total_ns"
    column = column or total
    if column not in frame.columns:
        raise UsageError(f"the table has no column {column!r}",
                         expected=", ".join(c for c in frame.columns if c.endswith("_ns")))
    label = "op" if "op" in frame.columns and "name" not in frame.columns else "name"
    rows = frame.sort_values(column, ascending=False).head(top)
    values = rows[column].to_numpy(np.float64)
    scale, unit = time_unit(values.max() if len(values) else 0)
    ax = _axes(ax, size=(8, 0.6 + 0.3 * max(len(rows), 1)))
    y = np.arange(len(rows))[::-1]
    ax.barh(y, values / scale, color="#4c72b0")
    ax.set_yticks(y, [_short(str(n)) for n in rows[label]], fontsize=8)
    ax.set_xlabel(f"{column.removesuffix('_ns').replace('_', ' ')} ({unit})")
    if "share" in rows.columns and column == total:
        for yi, v, share in zip(y, values / scale, rows["share"]):
            if share == share:  # not NaN
                text = f"{share:.1f}%" if share >= 1 else f"{share:.2g}%"
                ax.annotate(" " + text, (v, yi), va="center", fontsize=7)
    ax.set_title(title_of(frame.attrs), loc="left", fontsize=10)
    return ax


def _short(name: str, width: int = 48) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def timeline(trace, *, top: int = 8, names=None, start_ns=None, end_ns=None, ax=None):
    """Every zone of the `top` slowest dispatches (or of `names`) as bars, one row per thread.

    `trace` is a Trace or a path; `start_ns`/`end_ns` cut a window of the capture.
    """
    from irtools.trace.hotspots import hotspots
    from irtools.trace.model import Trace

    trace = Trace.of(trace)
    if names is None:
        names = hotspots(trace, by="dispatch", top=top)["name"].tolist()
        if not names:
            raise UsageError("the capture has no named dispatch zones",
                             fix="give the zone names to draw with names=[...]")
    zones = trace.zones(text=False)
    pick = zones["name"].isin(names) & zones["end_ns"].notna()
    if start_ns is not None:
        pick &= zones["end_ns"] >= start_ns
    if end_ns is not None:
        pick &= zones["start_ns"] <= end_ns
    shown = zones.loc[pick, ["thread", "thread_name", "start_ns", "duration_ns", "name"]]
    if shown.empty:
        raise UsageError("no zone of those names in the window", fix="widen start_ns/end_ns")
    origin = int(shown["start_ns"].min())
    span = int((shown["start_ns"] + shown["duration_ns"]).max()) - origin
    scale, unit = time_unit(span)
    ax = _axes(ax, size=(10, max(1 + 0.5 * shown["thread"].nunique(), 0.6 + 0.2 * len(names))))
    threads = list(dict.fromkeys(shown.sort_values("thread")["thread"]))
    colours = _colours(len(names))
    for i, name in enumerate(names):
        mine = shown[shown["name"] == name]
        label = _short(name)
        for row, tid in enumerate(threads):
            part = mine[mine["thread"] == tid]
            if len(part):
                bars = np.column_stack([(part["start_ns"].to_numpy(np.int64) - origin) / scale,
                                        part["duration_ns"].to_numpy(np.int64) / scale])
                ax.broken_barh(bars, (row - 0.4, 0.8), color=colours[i], label=label)
                label = None  # one legend entry per dispatch
    labels = {t: n for t, n in zip(shown["thread"], shown["thread_name"].astype(str))}
    ax.set_yticks(range(len(threads)), [labels[t] or str(t) for t in threads], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"time since the first zone shown ({unit})")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(f"{len(shown):,} zones of {shown['name'].nunique()} dispatches", loc="left",
                 fontsize=10)
    return ax


def _colours(n: int):
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def roofline(frame, ceilings=None, *, top: int = 8, ax=None):
    """The dispatches of an explained table (`RunDir.explain()`) on the roofline.

    x: arithmetic intensity (FLOP/byte), y: achieved GFLOP/s, both log; a
    point's area is its share of the wall time, the `top` slowest are named.
    Lines: the compute ceiling, and the memory ceilings (bandwidth x intensity)
    of the smallest and the largest footprint `irtools peak` measured.
    Dispatches without FLOPs (copies) have no place here: their GB/s is in the table.
    """
    ceilings = ceilings if ceilings is not None else frame.attrs.get("ceilings")
    for col in ("intensity", "gflops", "wall_ns"):
        if col not in frame.columns:
            raise UsageError(f"the table has no column {col!r}",
                             fix="pass the table of RunDir.explain(...)")
    shown = frame[frame["intensity"].notna() & frame["gflops"].notna()]
    shown = shown[(shown["intensity"].astype(float) > 0) & (shown["gflops"].astype(float) > 0)]
    if shown.empty:
        raise UsageError("no dispatch has both FLOPs and a time",
                         fix="explain a run whose executable sources were kept (irtools run)")
    x = shown["intensity"].to_numpy(np.float64)
    y = shown["gflops"].to_numpy(np.float64)
    wall = shown["wall_ns"].to_numpy(np.float64)
    ax = _axes(ax, size=(8, 5))
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = 20 + 600 * wall / wall.sum()
    ax.scatter(x, y, s=sizes, color="#4c72b0", alpha=0.6, edgecolors="white", zorder=3)
    lo, hi = min(x.min(), 0.05) / 2, max(x.max(), 100) * 2
    if ceilings is not None:
        xs = np.geomspace(lo, hi, 200)
        peak_gflops = ceilings.flops / 1e9
        ax.axhline(peak_gflops, color="#c44e52", linewidth=1.2,
                   label=f"compute {peak_gflops:.0f} GFLOP/s")
        rates = sorted(ceilings.bandwidth)
        for (footprint, bandwidth), style in ((rates[0], "--"), (rates[-1], "-")):
            gbps = bandwidth / 1e9
            ax.plot(xs, np.minimum(xs * gbps, peak_gflops), color="#55a868", linestyle=style,
                    linewidth=1.2, label=f"memory {gbps:.0f} GB/s at {footprint >> 10:,} KiB")
        ax.set_ylim(top=peak_gflops * 2)
        ax.legend(fontsize=8, loc="lower right")
    ax.set_xlim(lo, hi)
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("achieved GFLOP/s")
    where = f"{ceilings.target} on {ceilings.device}" if ceilings is not None else "no ceilings measured"
    ax.set_title(f"{len(shown)} dispatches, {where}", loc="left", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    _name_points(ax, x, y, [_dispatch_label(str(n)) for n in shown["name"]],
                 np.argsort(-wall)[:top])
    return ax


def _name_points(ax, x, y, labels, which):
    """Name the points `which`, the highest first; a name that would cover one already
    placed (dispatches of one shape sit together) moves down a line, with a leader."""
    dpi = ax.figure.dpi / 72  # pixels per point
    placed: list[tuple[float, float, float, float]] = []
    for i in sorted(which, key=lambda i: -y[i]):
        px, py = ax.transData.transform((x[i], y[i]))
        width, height = 4.3 * len(labels[i]) * dpi, 9 * dpi  # 7-point text, roughly
        for line in range(12):
            left, bottom = px + 8 * dpi, py + (4 - 10 * line) * dpi
            if not any(left < r and x0 < left + width and bottom < t and b < bottom + height
                       for x0, b, r, t in placed):
                break
        placed.append((left, bottom, left + width, bottom + height))
        ax.annotate(labels[i], (x[i], y[i]), fontsize=7, xytext=(8, 4 - 10 * line),
                    textcoords="offset points",
                    arrowprops={"arrowstyle": "-", "color": "0.6", "linewidth": 0.5} if line else None)


def _dispatch_label(name: str) -> str:
    from irtools.trace.dispatch import short_label

    return short_label(name) or _short(name, 24)
