"""A `--mlir-print-ir-tree-dir` folder read as one dump: its files in compile order, end to end.

MLIR writes each snapshot to `<op>_<symbol>/.../<counters>_<pass-arg>.mlir`, header line
included. The counters say how many times each op on that path had been printed, so
they order the snapshots of one op, and an op against its ancestors, but not sibling ops
against each other. The file times order everything, as long as they survived: on a
fresh tree they agree with the counters of every folder holding a single op, and then
they are used. Otherwise (a copied tree) the counters order the files, and a warning
says that sibling ops may come in another order than the compiler's.
"""

from __future__ import annotations

import bisect
import io
import os
import stat
from dataclasses import dataclass

from irtools.errors import DumpError

_UNNAMED = "_no-symbol-name"
_OPEN_FILES = 16
LOST_WARNING = ("MLIR's tree-dir names a file by op and counter, so snapshots of unnamed ops "
                "(util.initializer) overwrite each other; a single-file dump keeps them all")
GUESSED_WARNING = ("the file times of this tree-dir do not follow the compile (was it copied?): "
                   "snapshots are ordered by the counters in their names, and those of sibling "
                   "ops may interleave differently from the compile")


@dataclass(frozen=True)
class Part:
    path: str
    size: int
    counters: tuple
    mtime: int


def tree_parts(root) -> tuple[list[Part], list[str]]:
    """The snapshot files under `root`, in compile order, and warnings about them."""
    parts = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(folder, root)
        depth = 0 if rel == "." else rel.count(os.sep) + 1
        for name in sorted(files):
            counters = _counters(name, depth)
            if counters is None:
                continue
            path = os.path.join(folder, name)
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the reading
                continue
            parts.append(Part(path, st.st_size, counters, st.st_mtime_ns))
    if not parts:
        raise DumpError("no print-ir files in this folder", path=root,
                        expected="a --mlir-print-ir-tree-dir folder (N_pass.mlir files in op folders)")
    warnings = []
    by_time = sorted(parts, key=lambda p: (p.mtime, p.counters, p.path))
    if _times_follow_counters(by_time):
        parts = by_time
    else:
        parts.sort(key=lambda p: (p.counters, p.path))
        warnings.append(GUESSED_WARNING)
    if any(_multi_op(os.path.basename(os.path.dirname(p.path))) for p in parts):
        warnings.append(LOST_WARNING)
    return parts, warnings


def _counters(name, depth):
    """`12_3_cse.mlir` at depth 2 -> (12, 3); None for other files."""
    if not name.endswith(".mlir") or depth < 1:
        return None
    pieces = name.split("_", depth)
    if len(pieces) <= depth or not all(p.isdigit() for p in pieces[:depth]):
        return None
    return tuple(int(p) for p in pieces[:depth])


def _multi_op(folder):
    """Unnamed ops other than modules share a folder (and file names) with their siblings."""
    return folder.endswith(_UNNAMED) and not folder.startswith("builtin_module")


def _times_follow_counters(parts):
    last = {}
    for p in parts:
        folder = os.path.dirname(p.path)
        if _multi_op(os.path.basename(folder)):
            continue
        if folder in last and last[folder] >= p.counters:
            return False
        last[folder] = p.counters
    return True


class TreeReader(io.RawIOBase):
    """The files of a tree-dir as one read-only, seekable byte stream."""

    def __init__(self, parts):
        self.parts = parts
        self.starts = [0]
        for p in parts:
            self.starts.append(self.starts[-1] + p.size)
        self.size = self.starts[-1]
        self.pos = 0
        self._fds = {}   # part index -> open fd, least recently used first

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buffer):
        """Read from one file at most: a short read at a file's end is allowed, and filling
        a buffer from many small files would open them all for nothing."""
        if self.pos >= self.size:
            return 0
        view = memoryview(buffer).cast("B")
        i = bisect.bisect_right(self.starts, self.pos) - 1
        want = min(len(view), self.starts[i + 1] - self.pos)
        got = os.preadv(self._open(i), [view[:want]], self.pos - self.starts[i])
        if got <= 0 < want:
            raise DumpError("a file of the tree-dir got shorter while it was read",
                            path=self.parts[i].path, fix="index the folder again")
        self.pos += got
        return got

    def _open(self, i):
        fd = self._fds.pop(i, None)
        if fd is None:
            if len(self._fds) >= _OPEN_FILES:
                os.close(self._fds.pop(next(iter(self._fds))))
            try:
                fd = os.open(self.parts[i].path, os.O_RDONLY)
            except OSError as err:
                raise DumpError(f"cannot read a file of the tree-dir: {err.strerror}",
                                path=self.parts[i].path) from err
        self._fds[i] = fd   # most recently used last
        return fd

    def close(self):
        while self._fds:
            os.close(self._fds.popitem()[1])
        super().close()
