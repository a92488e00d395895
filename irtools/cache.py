"""A disk cache of what was parsed, so that reopening a large input is instant.

Used by the TUI (traces and dumps) and by `irtools ir` (dump indexes, changed
flags, histories).

Entries are keyed by the input's resolved path, device, inode, size and mtime (a
folder's: its own device and inode, and the count, sizes, inodes and newest mtime of
all its files), the kind of result and its parameters, and the irtools version; a
changed or replaced input simply misses. The same path typed from another folder is
another file, and a file replaced by one of the same size and time is another inode.
They are pickles in the user's own cache folder: a damaged or stale one is
ignored and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
from pathlib import Path

from irtools import __version__

_FORMAT = 1
LIMIT = 1 << 30  # bytes; the least recently written entries go first


def cache_dir() -> Path:
    base = os.environ.get("IRTOOLS_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "irtools"


def version(path) -> tuple:
    """Device, inode, size and mtime of a file; for a folder (a tree-dir dump), its own
    device and inode and the count, sizes, inodes and newest mtime of all its files."""
    st = os.stat(path)
    if not stat.S_ISDIR(st.st_mode):
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns
    count = size = newest = inodes = 0
    folders = [path]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    folders.append(e.path)
                else:
                    s = e.stat()
                    count, size, newest = count + 1, size + s.st_size, max(newest, s.st_mtime_ns)
                    inodes += s.st_ino
    return st.st_dev, st.st_ino, count, size, newest, inodes


def _entry(path, kind: str, params) -> Path:
    ident = repr((_FORMAT, __version__, os.path.realpath(path), version(path), kind, params))
    return cache_dir() / f"{kind}-{hashlib.sha1(ident.encode()).hexdigest()[:20]}.pkl"


def load(path, kind: str, params=()):
    """The cached result, or None."""
    try:
        with open(_entry(path, kind, params), "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, damaged or from older code: recompute
        return None


def store(path, kind: str, params, value):
    """Keep `value`; a cache that cannot be written is not an error."""
    with contextlib.suppress(OSError, pickle.PicklingError):
        entry = _entry(path, kind, params)
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
        _prune(entry.parent, LIMIT)


def _prune(folder: Path, limit: int):
    """Remove the oldest entries while the cache holds more than `limit` bytes."""
    entries = sorted((e.stat().st_mtime_ns, e.stat().st_size, e) for e in folder.glob("*.pkl"))
    total = sum(size for _, size, _ in entries)
    for _, size, path in entries:
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size


def cached(path, kind: str, params, compute):
    """`compute()` once per input version; later calls read the cache."""
    value = load(path, kind, params)
    if value is None:
        value = compute()
        store(path, kind, params, value)
    return value
