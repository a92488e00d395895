"""How a run directory shows in a notebook: its runs as a table in human units."""

from __future__ import annotations

from irtools.reprs import as_table, table_html

MAX_ERROR = 160  # characters of an error shown in the table


def runs_table(rundir):
    """One row per run: name, status, run time (ns), trace size (bytes), error."""
    import pandas as pd

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
