"""Helpers shared by the subcommands: reading traces with progress, output formats."""

from __future__ import annotations

import sys

FORMATS = ("table", "csv", "json")


def open_trace(path, *, tree: bool = True):
    from irtools.render import progress_bar
    from irtools.trace.model import Trace

    with progress_bar(f"reading {path}") as progress:
        return Trace.open(path, progress=progress, tree=tree)


def emit(frame, fmt: str, table_fn):
    """Write a DataFrame (or `Columns`) as a rich table, CSV or JSON on stdout."""
    from irtools.render import stdout_console
    from irtools.render.tables import to_csv, to_json

    if fmt != "table" and hasattr(frame, "to_pandas"):
        frame = frame.to_pandas()
    if fmt == "csv":
        to_csv(frame, sys.stdout)
    elif fmt == "json":
        to_json(frame, sys.stdout)
    else:
        stdout_console().print(table_fn(frame))
