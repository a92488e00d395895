"""Dumps indexed once: a dump's index, changed flags and histories kept in the disk cache.

Indexing reads the whole dump (6 s for the 4.9 GB single-file dump of the example
model, warm); the index itself is small. Entries are keyed by the dump's resolved path,
inode, size and mtime (see irtools.cache), so a dump that changes or grows is indexed again.
"""

from __future__ import annotations

import os

from irtools import cache
from irtools.errors import UsageError
from irtools.irdiff import mlir
from irtools.irdiff.changed import CHANGED
from irtools.irdiff.dump import Dump
from irtools.irdiff.index import count_lines, scan

# Kinds of entries: renamed when what they hold changes (classes, cosmetic entries).
_FLAGS, _HISTORY = "dump-classes-2", "history-classes-2"
_INDEX = "dump-index-2"   # -2: a last print ending in `} loc(...)` is not cut off


def index(path, *, progress=None, lines: bool = False):
    """The dump's index, from the cache or by reading it; `lines=True` also counts each
    snapshot's lines (a second pass, which the TUI needs)."""
    idx = cache.load(path, _INDEX)
    fresh = idx is None
    if fresh:
        idx = scan(path, progress=progress)
    else:  # stored by a command run elsewhere: read the file through the path given here
        idx.path = os.fspath(path)
    if lines and not idx.lines_counted:
        count_lines(idx)
        fresh = True
    if fresh:
        cache.store(path, _INDEX, (), idx)
    return idx


def open_cached_dump(path, *, progress=None) -> Dump:
    return Dump(index(path, progress=progress))


def keep_lines(dump: Dump):
    """Keep the index again once its line counts are known (`Dump.rows` counts them:
    a second read of the whole dump)."""
    if dump.index.lines_counted:
        cache.store(dump.path, _INDEX, (), dump.index)


def flags(dump: Dump, *, progress=None) -> list:
    """The dump's changed flags (computed once per dump version), seeded into `dump`."""
    found = dump.known_flags or cache.load(dump.path, _FLAGS)
    if found is None:
        found = dump.flags(progress=progress)
        cache.store(dump.path, _FLAGS, (), found)
    dump.known_flags = found
    return found


def history(dump: Dump, symbol: str, *, cosmetic: bool = False, progress=None,
            missing_ok: bool = True) -> list | None:
    """`dump.history(symbol, cosmetic=...)`, computed once per dump version. When no
    snapshot holds the symbol: None, or with `missing_ok=False` the UsageError that says so."""
    name = mlir.symbol_name(symbol)
    found = cache.load(dump.path, _HISTORY, (name,))
    if found is None:
        try:
            found = dump.history_all(name, progress=progress)
        except UsageError:
            if not missing_ok:
                raise
            return None
        cache.store(dump.path, _HISTORY, (name,), found)
    return [h for h in found if cosmetic or h["class"] == CHANGED]
