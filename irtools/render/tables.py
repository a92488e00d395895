"""Hotspot and comparison tables: rich for people, CSV and JSON for scripts."""

from __future__ import annotations

import json
import math

from rich.table import Table

from irtools.render import human_ns

_TIME_HEADERS = [("total_ns", "Total"), ("mean_ns", "MTPC"), ("median_ns", "Median"),
                 ("min_ns", "Min"), ("max_ns", "Max"), ("std_ns", "Std"),
                 ("p90_ns", "P90"), ("p99_ns", "P99")]
_LABELS = {"name": "Name", "src_file": "File", "src_line": "Line", "function": "Function",
           "ordinal": "#", "op": "Op", "op_kind": "Op kind", "shape": "Shape",
           "element_type": "Type"}


def _label_columns(frame):
    return [c for c in frame.columns if c in _LABELS]


def _add_label_columns(table, labels, name_width=None):
    for col in labels:
        numeric = col in ("src_line", "ordinal")
        table.add_column(_LABELS[col], justify="right" if numeric else "left", no_wrap=True,
                         overflow="ellipsis",
                         max_width=(name_width or 80) if col == "name" else _WIDTHS.get(col, 24))


# Optional columns, dropped in this order when the terminal is too narrow.
_DROP_ORDER = ("p99_ns", "p90_ns", "std_ns", "median_ns", "min_ns", "max_ns")
_WIDTHS = {"op": 11, "src_file": 18, "src_line": 5, "count": 7, "time": 9, "share": 7,
           "time_source": 8}
_NAME_MIN = 40


def _layout(width: int | None, labels: list, extra=()):
    """Which time columns fit, and how wide the name column can be."""
    cols = list(_TIME_HEADERS)
    hidden = []
    fixed = sum(_WIDTHS[c] + 2 for c in [*labels, *extra] if c != "name") + \
        _WIDTHS["count"] + 2 + _WIDTHS["share"] + 2
    if not width:
        return cols, hidden, None
    for drop in _DROP_ORDER:
        if width - fixed - len(cols) * (_WIDTHS["time"] + 2) >= _NAME_MIN:
            break
        cols = [c for c in cols if c[0] != drop]
        hidden.append(drop[:-3])
    name_width = max(12, width - fixed - len(cols) * (_WIDTHS["time"] + 2) - 2)
    return cols, hidden, name_width


def _hotspot_labels(frame) -> list:
    labels = [c for c in _label_columns(frame) if c in ("name", "op", "src_file", "src_line")]
    if "name" in labels and "op" in labels:
        labels.remove("op")  # a dispatch name already says its op
    return labels


def _count(n) -> str:
    return f"{n:,}"


def _share(share) -> str:
    return "-" if share != share else f"{share:.2f}%"


def _delta(delta) -> str:
    return f"{'+' if delta > 0 else ''}{human_ns(delta)}"


def _ratio(ratio) -> str:
    return "new" if math.isinf(ratio) else f"{ratio:.2f}x"


def _float(digits):
    return lambda v: "-" if v is None or v != v else f"{v:.{digits}f}"


def _tiles(v) -> str:
    if v is None or v != v:
        return "-"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def from_label(row) -> str:
    """Where a dispatch row's numbers come from; `?` where its count is a guess."""
    return str(row["timing"]) + ("?" if row.get("ambiguous") else "")


# The dispatch view: (column, header, format, width of its values).
_DISPATCH = [
    ("invocations", "Invoc.", _count, 6), ("wall_ns", "Wall", human_ns, 9),
    ("cpu_ns", "CPU", human_ns, 9), ("parallelism", "Par.", _float(2), 4),
    ("wall_mean_ns", "Mean", human_ns, 9), ("wall_median_ns", "Median", human_ns, 9),
    ("wall_p90_ns", "P90", human_ns, 9), ("wall_max_ns", "Max", human_ns, 9),
    ("tiles", "Tiles", _tiles, 5), ("share", "Share", _share, 7),
]
# Left out in this order when the terminal is too narrow.
_DISPATCH_DROP = ("tiles", "wall_p90_ns", "wall_median_ns", "wall_max_ns", "parallelism",
                  "wall_mean_ns")
_DISPATCH_NAME_MIN = 32
from irtools.trace.dispatch_table import EXPLAIN as DISPATCH_NOTE  # noqa: E402


def is_dispatch_frame(frame) -> bool:
    return "invocations" in frame.columns and "wall_ns" in frame.columns


def dispatch_columns(frame) -> list:
    """The dispatch view's columns as (column, header, format)."""
    return [("name", "Name", str)] + [(c, h, f) for c, h, f, _ in _DISPATCH] + \
        [("timing", "From", str)]


def dispatch_view(frame, title: str | None = None, width: int | None = None,
                  explain: bool = True) -> Table:
    """Dispatches by invocation: wall time (what a caller waits), CPU time, parallelism.

    `explain`: say below the table what the columns mean (and any notes of the table)."""
    cols = list(_DISPATCH)
    hidden = []
    fixed = 8 + 2  # From
    for drop in (None, *_DISPATCH_DROP):
        if drop is not None:
            cols = [c for c in cols if c[0] != drop]
            hidden.append(next(h for c, h, _, _ in _DISPATCH if c == drop))
        need = fixed + sum(max(len(h), w) + 2 for _, h, _, w in cols)
        if not width or width - need >= _DISPATCH_NAME_MIN:
            break
    notes = [DISPATCH_NOTE] if explain else []
    if hidden:
        notes.append(f"{', '.join(hidden)} hidden to fit the terminal; --format csv has them all")
    if explain:
        notes += list(frame.attrs.get("notes") or [])
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, caption="\n".join(notes) or None, caption_justify="left",
                  collapse_padding=False)
    table.add_column("Name", no_wrap=True, overflow="ellipsis",
                     max_width=max(12, width - need) if width else 80)
    for _col, head, _fmt, w in cols:
        table.add_column(head, justify="right", no_wrap=True, min_width=max(len(head), w))
    table.add_column("From", no_wrap=True, min_width=7)
    for row in frame.itertuples(index=False):
        r = row._asdict()
        table.add_row(str(r["name"]), *[fmt(r[c]) for c, _, fmt, _ in cols], from_label(r))
    return table


def hotspot_columns(frame) -> list:
    """All the columns of `hotspot_table` as (column, header, format), for other views."""
    if is_dispatch_frame(frame):
        return dispatch_columns(frame)
    cols = [(c, _LABELS[c], str) for c in _hotspot_labels(frame)]
    cols.append(("count", "Count", _count))
    cols += [(c, head, human_ns) for c, head in _TIME_HEADERS]
    cols.append(("share", "Share", _share))
    if "time_source" in frame.columns:
        cols.append(("time_source", "From", str))
    return cols


def _dispatch_compare(frame, labels) -> list:
    la, lb = labels
    return [("name", "Name", str),
            (f"invocations_{la}", f"Invoc. {la}", _count),
            (f"invocations_{lb}", f"Invoc. {lb}", _count),
            (f"wall_ns_{la}", f"Wall {la}", human_ns), (f"wall_ns_{lb}", f"Wall {lb}", human_ns),
            ("delta_ns", "Δ wall", _delta), ("ratio", "Ratio", _ratio),
            (f"cpu_ns_{la}", f"CPU {la}", human_ns), (f"cpu_ns_{lb}", f"CPU {lb}", human_ns),
            (f"parallelism_{la}", f"Par. {la}", _float(2)),
            (f"parallelism_{lb}", f"Par. {lb}", _float(2))]


def compare_columns(frame, labels=("a", "b")) -> list:
    """All the columns of `compare_table` as (column, header, format)."""
    la, lb = labels
    if f"wall_ns_{la}" in frame.columns:
        return _dispatch_compare(frame, labels)
    return [(c, _LABELS[c], str) for c in _label_columns(frame)] + [
        (f"count_{la}", f"Count {la}", _count), (f"count_{lb}", f"Count {lb}", _count),
        (f"total_ns_{la}", f"Total {la}", human_ns), (f"total_ns_{lb}", f"Total {lb}", human_ns),
        ("delta_ns", "Δ total", _delta), ("ratio", "Ratio", _ratio),
        (f"mean_ns_{la}", f"MTPC {la}", human_ns), (f"mean_ns_{lb}", f"MTPC {lb}", human_ns)]


def hotspot_table(frame, title: str | None = None, width: int | None = None) -> Table:
    """The default view: reads like Tracy's statistics, in human units.

    With a `width`, the least needed time columns are left out until the rest fit.
    A dispatch table (`by="dispatch"`) shows as `dispatch_view`.
    """
    if is_dispatch_frame(frame):
        return dispatch_view(frame, title, width)
    labels = _hotspot_labels(frame)
    # Merged with a HAL profile, a row's times come from Tracy or from the profile.
    extra = ["time_source"] if "time_source" in frame.columns else []
    time_cols, hidden, name_width = _layout(width, labels, extra)
    caption = (f"{', '.join(hidden)} hidden to fit the terminal; --format csv has them all"
               if hidden else None)
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, caption=caption, caption_justify="left", collapse_padding=False)
    # The name says it all for a dispatch; its parsed parts are in CSV and JSON.
    _add_label_columns(table, labels, name_width)
    table.add_column("Count", justify="right", no_wrap=True, min_width=5)
    for _col, head in time_cols:
        table.add_column(head, justify="right", no_wrap=True, min_width=9)
    table.add_column("Share", justify="right", no_wrap=True, min_width=7)
    if extra:
        table.add_column("From", no_wrap=True, min_width=8)
    for row in frame.itertuples(index=False):
        r = row._asdict()
        cells = [str(r[c]) for c in labels]
        cells.append(f"{r['count']:,}")
        cells += [human_ns(r[c]) for c, _ in time_cols]
        cells.append(_share(r["share"]))
        if extra:
            cells.append(str(r["time_source"]))
        table.add_row(*cells)
    return table


def compare_table(frame, labels=("a", "b"), title: str | None = None,
                  width: int | None = None) -> Table:
    la, lb = labels
    if f"wall_ns_{la}" in frame.columns:
        return _dispatch_compare_table(frame, labels, title, width)
    means = not width or width >= 150
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False)
    names = _label_columns(frame)
    _add_label_columns(table, names)
    heads = [f"Count {la}", f"Count {lb}", f"Total {la}", f"Total {lb}", "Δ total", "Ratio"]
    for head in heads + ([f"MTPC {la}", f"MTPC {lb}"] if means else []):
        table.add_column(head, justify="right", no_wrap=True, min_width=max(len(head), 9))
    for row in frame.itertuples(index=False):
        r = row._asdict()
        delta = r["delta_ns"]
        colour = "red" if delta > 0 else "green" if delta < 0 else ""
        ratio = r["ratio"]
        table.add_row(
            *[str(r[c]) for c in names],
            f"{r[f'count_{la}']:,}", f"{r[f'count_{lb}']:,}",
            human_ns(r[f"total_ns_{la}"]), human_ns(r[f"total_ns_{lb}"]),
            f"[{colour}]{_delta(delta)}[/]" if colour else human_ns(delta),
            _ratio(ratio),
            *([human_ns(r[f"mean_ns_{la}"]), human_ns(r[f"mean_ns_{lb}"])] if means else []))
    return table


def _dispatch_compare_table(frame, labels, title, width) -> Table:
    """Dispatches of two runs: invocations, wall time (delta and ratio), CPU time."""
    cols = _dispatch_compare(frame, labels)
    if width and width < 170:
        cols = [c for c in cols if not c[0].startswith("parallelism")]
    if width and width < 130:
        cols = [c for c in cols if not c[0].startswith("cpu_ns")]
    if width and width < 100:
        cols = [c for c in cols if not c[0].startswith("invocations")]
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, caption="Wall: summed invocation spans; CPU: tile time on "
                  "all threads; Par. = CPU / Wall", caption_justify="left")
    need = sum(max(len(head), 9) + 2 for col, head, _ in cols if col != "name")
    for col, head, _ in cols:
        if col == "name":
            table.add_column(head, no_wrap=True, overflow="ellipsis",
                             max_width=max(16, min(60, width - need)) if width else 60)
        else:
            table.add_column(head, justify="right", no_wrap=True, min_width=max(len(head), 9))
    for row in frame.itertuples(index=False):
        r = row._asdict()
        cells = []
        for col, _, fmt in cols:
            text = fmt(r[col])
            if col == "delta_ns" and r[col]:
                text = f"[{'red' if r[col] > 0 else 'green'}]{text}[/]"
            cells.append(text)
        table.add_row(*cells)
    return table


def to_csv(frame, out):
    frame.to_csv(out, index=False, lineterminator="\n")


def to_json(frame, out):
    records = json.loads(frame.to_json(orient="records", double_precision=15))
    json.dump(records, out, indent=1)
    out.write("\n")
