"""How the notebook objects show in Jupyter: HTML in human units.

`Table` is a pandas DataFrame in every way (scripts see integer nanoseconds),
except that Jupyter shows it with times as `1.38 ms`, shares as percentages
and a title from its `attrs`; the exact value is in each cell's tooltip.
The other helpers build the HTML of a Trace, a Dump, a Diff and a RunDir.
Only pandas and `irtools.units` are needed here, so the core's `_repr_html_`
hooks can call it (it imports nothing else of irtools).
"""

from __future__ import annotations

import html
import math
import os

import pandas as pd

from irtools.units import human_bytes, human_ns

MAX_ROWS = 40
MAX_ERROR = 160  # characters of a run's error shown in a RunDir's table
_COUNTS = ("count", "lines", "zones", "added", "removed", "invocations")
_STYLE = ("border-collapse:collapse;font-size:12px;font-family:var(--jp-code-font-family,"
          "monospace)")
_CELL = "padding:1px 8px;border-bottom:1px solid #e8e8e8;"


class Table(pd.DataFrame):
    """A DataFrame that Jupyter shows in human units (see the module doc)."""

    @property
    def _constructor(self):
        return Table

    def _repr_html_(self):
        return table_html(self)


def as_table(frame) -> Table:
    """`frame` (any DataFrame) as a `Table`: the same data, shown in Jupyter in human units
    (columns named `*_ns`, `share`, `*ratio`, `*bytes` and counts are formatted by name)."""
    table = Table(frame)
    table.attrs.update(frame.attrs)
    return table


def _cell(col: str, value):
    """(text, tooltip, colour) of one value, by what its column name says it holds."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "", None, None
    if col == "delta_ns":
        sign = "+" if value > 0 else ""
        return sign + human_ns(value), f"{value} ns", "#c0392b" if value > 0 else \
            "#1e8449" if value < 0 else None
    if col.endswith("_ns"):
        return human_ns(value), f"{value} ns", None
    if col == "share" or col.endswith("_share"):
        return f"{value:.2f}%", None, None
    if col.startswith("parallelism"):
        return f"{value:.2f}", None, None
    if col == "tiles":
        return f"{value:g}", None, None
    if col.endswith("ratio"):
        return ("new" if math.isinf(value) else f"{value:.2f}x"), None, None
    if col.endswith("bytes"):
        return human_bytes(value), f"{value:,} bytes", None
    if col.startswith(_COUNTS) or col.endswith("_count"):
        return f"{value:,}", None, None
    return str(value), None, None


def _numeric(series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype)


def title_of(attrs: dict) -> str:
    """A line saying what a hotspot or comparison table is, from its attrs."""
    by = attrs.get("by")
    how = f"by {by}" + (" (self time)" if attrs.get("self_time") else "") if by else ""
    if "labels" in attrs:
        la, lb = attrs["labels"]
        names = [os.path.basename(str(attrs.get(k, ""))) for k in ("a", "b")]
        if all(names) and names[0] != names[1]:  # run directories all hold trace.tracy
            la, lb = f"{names[0]} ({la})", f"{names[1]} ({lb})"
        return f"{la} vs {lb}, {how}"
    if "trace" in attrs or "run" in attrs:
        span = attrs.get("last_time_ns")
        captured = f", {human_ns(span)} captured" if span else ""
        name = attrs.get("run") or os.path.basename(str(attrs["trace"]))
        return f"{name}{captured}, {how}"
    return ""


def table_html(frame, *, title: str | None = None, max_rows: int = MAX_ROWS) -> str:
    title = title if title is not None else title_of(frame.attrs)
    shown = frame.head(max_rows)
    right = {c: _numeric(frame[c]) for c in frame.columns}
    out = [f'<div><table style="{_STYLE}">']
    if title:
        out.append(f'<caption style="text-align:left;font-weight:bold;padding:2px 0">'
                   f'{html.escape(title)}</caption>')
    out.append("<thead><tr>")
    for col in frame.columns:
        align = "right" if right[col] else "left"
        out.append(f'<th style="{_CELL}text-align:{align}">{html.escape(str(col))}</th>')
    out.append("</tr></thead><tbody>")
    for row in shown.itertuples(index=False, name=None):
        out.append("<tr>")
        for col, value in zip(frame.columns, row):
            text, tip, colour = _cell(str(col), value)
            style = f"{_CELL}text-align:{'right' if right[col] else 'left'};"
            if colour:
                style += f"color:{colour};"
            tip = f' title="{html.escape(tip)}"' if tip else ""
            out.append(f'<td style="{style}"{tip}>{html.escape(text)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    notes = []
    if len(frame) > max_rows:
        notes.append(f"{max_rows} of {len(frame):,} rows shown; the DataFrame has them all "
                     f"(times in integer ns)")
    if frame.attrs.get("warning"):
        notes.append("note: " + frame.attrs["warning"])
    notes += [f"note: {n}" for n in frame.attrs.get("notes") or []]
    if frame.attrs.get("explain"):  # what a dispatch table's times are
        notes.append(frame.attrs["explain"])
    for note in notes:
        out.append(f'<div style="font-size:11px;color:#666">{html.escape(note)}</div>')
    out.append("</div>")
    return "".join(out)


def summary_html(title: str, rows) -> str:
    """A small two-column card: `rows` are (label, value) pairs."""
    cells = "".join(f'<tr><th style="{_CELL}text-align:left;font-weight:normal;color:#555">'
                    f'{html.escape(str(k))}</th><td style="{_CELL}">{html.escape(str(v))}</td></tr>'
                    for k, v in rows)
    return (f'<table style="{_STYLE}"><caption style="text-align:left;font-weight:bold;'
            f'padding:2px 0">{html.escape(title)}</caption>{cells}</table>')


def diff_html(title: str, lines, *, max_lines: int = 400) -> str:
    """A unified diff, coloured, cut after `max_lines` lines."""
    colours = {"+": "#1e8449", "-": "#c0392b", "@": "#2471a3"}
    out = [f'<div><div style="font-weight:bold">{html.escape(title)}</div>'
           f'<pre style="font-size:12px;line-height:1.3;max-height:40em;overflow:auto">']
    shown = 0
    total = 0
    for line in lines:
        total += 1
        if shown >= max_lines:
            continue
        shown += 1
        colour = None if line.startswith(("+++", "---")) else colours.get(line[:1])
        text = html.escape(line)
        out.append(f'<span style="color:{colour}">{text}</span>\n' if colour else text + "\n")
    out.append("</pre>")
    if total > shown:
        out.append(f'<div style="font-size:11px;color:#666">{shown} of {total:,} diff lines '
                   f'shown; .unified() gives them all</div>')
    out.append("</div>")
    return "".join(out)


# A run directory (irtools.run.layout.RunDir): its runs as a table.
def runs_table(rundir):
    """One row per run: name, status, run time (ns), trace size (bytes), error."""
    rows = []
    for r in rundir.runs:
        seconds = r.entry.get("run_seconds")
        error = r.error or ""
        rows.append({
            "name": r.name, "status": r.status,
            "run_ns": round(seconds * 1e9) if seconds is not None else None,
            "trace_bytes": r.trace.stat().st_size if r.trace else None,
            "error": error if len(error) <= MAX_ERROR else error[:MAX_ERROR - 1] + "…",
        })
    frame = pd.DataFrame(rows, columns=["name", "status", "run_ns", "trace_bytes", "error"])
    frame["run_ns"] = frame["run_ns"].astype("Int64")
    frame["trace_bytes"] = frame["trace_bytes"].astype("Int64")
    return as_table(frame)


def _counts(rundir) -> str:
    states: dict[str, int] = {}
    for r in rundir.runs:
        states[r.status] = states.get(r.status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in states.items()) or "no runs"


def _title(rundir) -> str:
    model = rundir.manifest.get("model")
    of = f" ({model.rsplit('/', 1)[-1]})" if model else ""
    status = rundir.manifest.get("status")
    state = f", run {status}" if status and status != "done" else ""
    return f"{rundir.root.name}{of}: {len(rundir.runs)} runs, {_counts(rundir)}{state}"


def rundir_repr(rundir) -> str:
    return f"<RunDir {rundir.root.name!r}: {len(rundir.runs)} runs ({_counts(rundir)})>"


def rundir_html(rundir) -> str:
    return table_html(runs_table(rundir), title=_title(rundir))
