"""Index a print-ir dump: byte offsets of every snapshot, never the whole file in memory.

The file is read in large chunks into one reused buffer; `bytes.find` locates the
`IR Dump ` markers, so indexing runs near the speed of `grep`. Text is read later,
on demand, from the offsets kept here. A `--mlir-print-ir-tree-dir` folder is read as
its files put end to end in compile order (see treedir.py); offsets are into that.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

from irtools._io import refuse_special
from irtools.errors import DumpError
from irtools.irdiff import mlir
from irtools.irdiff.header import PREFIXES, Header, parse_header
from irtools.irdiff.treedir import TreeReader, tree_parts

CHUNK = 16 << 20
_MARK = b"IR Dump "
_MAX_HEADER = 1 << 20
NO_HEADERS_FIX = ("make a dump with iree-compile --mlir-print-ir-after-all "
                  "(add --mlir-print-ir-before-all for exact changed flags) 2> dump.txt, "
                  "or use `irtools ir capture`")
# The first op line of an op-scope snapshot: `util.func public @main(`, `module {`, ...
_OP_LINE = re.compile(rb'^"?([A-Za-z_][\w.$-]*)"?(?:\s+(?:public|private|nested))*'
                      rb'(?:\s+@("(?:[^"\\]|\\.)*"|[\w$.-]+))?')


@dataclass
class Snapshot:
    index: int
    header: Header
    start: int        # byte offset of the header line
    body: int         # byte offset just after the header line
    end: int          # byte offset of the next header (or end of file)
    lines: int = 0    # lines, header included
    op: str = ""
    symbol: str = ""
    truncated: bool = False

    @property
    def when(self):
        return self.header.when

    @property
    def pass_name(self):
        return self.header.pass_name

    @property
    def arg(self):
        return self.header.arg

    @property
    def size(self):
        return self.end - self.start


@dataclass
class Index:
    path: str
    size: int
    snapshots: list = field(default_factory=list)
    preamble: int = 0             # bytes before the first header
    module_scope: bool = False
    warnings: list = field(default_factory=list)
    crlf: bool = False
    lines_counted: bool = False
    parts: list | None = None     # the files of a tree-dir, in order

    def open(self, buffered=True):
        """A binary reader over the dump (the files of a tree-dir, end to end)."""
        if self.parts is None:
            return open(self.path, "rb", buffering=-1 if buffered else 0)
        raw = TreeReader(self.parts)
        return io.BufferedReader(raw, 1 << 20) if buffered else raw

    def __len__(self):
        return len(self.snapshots)

    def __getitem__(self, i):
        return self.snapshots[i]


def scan(path, *, progress=None, chunk=CHUNK, require=True) -> Index:
    """Index the dump at `path` (a file or a tree-dir folder). `progress(done, total)` is
    called once per chunk."""
    path = os.fspath(path)
    if os.path.isdir(path):
        # Absolute: the index is kept in the disk cache and read from other folders.
        parts, warnings = tree_parts(os.path.abspath(path))
        idx = Index(path, sum(p.size for p in parts), parts=parts, warnings=warnings)
    else:
        refuse_special(path, DumpError)
        try:
            size = os.stat(path).st_size
        except OSError as err:
            raise DumpError(f"cannot open the dump: {err.strerror}", path=path) from err
        idx = Index(path, size)
    try:
        handle = idx.open(buffered=False)
    except OSError as err:
        raise DumpError(f"cannot open the dump: {err.strerror}", path=path) from err
    with handle:
        Reader(idx, chunk).read(handle, progress)
    return complete(idx, require=require)


def complete(idx, *, require=True) -> Index:
    """Check an index whose file is read to its end; fill the snapshots' scopes."""
    if not idx.snapshots and require:
        _no_headers(idx)
    _finish(idx)
    return idx


class Reader:
    """The index scan's state between reads, so that a growing dump can be read as it grows.

    `read(handle)` goes on to the current end of the file. With `more=True` the file is
    still being written: a header line cut at the end waits for the next read, and the
    last snapshot stays open. `read(handle)` without it finishes the index.
    """

    def __init__(self, idx, chunk=CHUNK):
        self.idx = idx
        self.chunk = chunk
        self.buf = bytearray(chunk + 64)
        self.keep = 0             # bytes carried over at buf[0:keep]: an unfinished last line
        self.base = 0             # file offset of buf[0]
        self.line_start = True    # buf[0] starts a line
        self.misplaced = 0
        self.marker = None
        self.end = 0              # bytes read so far

    def read(self, handle, progress=None, *, more=False):
        idx, snaps, buf, chunk = self.idx, self.idx.snapshots, self.buf, self.chunk
        view = memoryview(buf)
        keep, base, line_start, marker = self.keep, self.base, self.line_start, self.marker
        while True:
            if len(buf) - keep < chunk // 2:   # a long header line is waiting for its end
                view.release()
                buf.extend(bytes(chunk))
                view = memoryview(buf)
            got = handle.readinto(view[keep:keep + chunk])
            if not got:
                break
            n = keep + got
            if marker is None:
                marker = _marker(buf, n)
            i = buf.find(marker or PREFIXES[0] + _MARK, 0, n)
            cut = n           # where this round's text ends: before a header still being written
            while i >= 0:
                if (i == 0 and line_start) or (i > 0 and buf[i - 1] == 10):
                    eol = buf.find(b"\n", i, n)
                    if eol < 0 and more:
                        cut = i
                        break
                    raw = bytes(buf[i:eol]) if eol >= 0 else _read_line(handle, base + i)
                    snap = _make(idx, raw, base + i, len(snaps))
                    if snap is not None:
                        if snaps:
                            snaps[-1].end = snap.start
                        snaps.append(snap)
                else:
                    self.misplaced += 1
                i = buf.find(marker or PREFIXES[0] + _MARK, i + len(_MARK), n)
            if cut < n:
                buf[0:n - cut] = buf[cut:n]
                keep, line_start = n - cut, True
            else:
                last_nl = buf.rfind(b"\n", 0, n)
                tail = n - (last_nl + 1)
                if tail < len(PREFIXES[0] + _MARK) and (last_nl >= 0 or line_start):
                    buf[0:tail] = buf[last_nl + 1:n]
                    keep, line_start = tail, True
                else:
                    keep, line_start = 0, buf[n - 1] == 10
            base += n - keep
            if progress:
                progress(base, idx.size)
        self.keep, self.base, self.line_start, self.marker = keep, base, line_start, marker
        self.end = base + keep
        if snaps:
            snaps[-1].end = self.end
            idx.preamble = snaps[0].start
        if not more and self.misplaced:
            idx.warnings.append(
                f"{self.misplaced} 'IR Dump' headers are not at the start of a line: the output "
                "of a threaded compile is interleaved; recompile with --mlir-disable-threading")
        return len(snaps)


def _marker(buf, n):
    """The header prefix this dump uses (None while none is seen); the long marker lets
    `find` skip fast."""
    for prefix in PREFIXES:
        if buf.find(prefix + _MARK, 0, n) >= 0:
            return prefix + _MARK
    return None


def count_lines(idx, *, progress=None):
    """Fill `lines` of every snapshot (a second, cheap pass; the index itself skips it)."""
    if idx.lines_counted:
        return
    buf = bytearray(CHUNK)
    with idx.open(buffered=False) as f:
        for s in idx.snapshots:
            f.seek(s.start)
            left, total = s.end - s.start, 0
            while left > 0:
                got = f.readinto(memoryview(buf)[:min(left, len(buf))])
                if not got:
                    break
                total += buf.count(b"\n", 0, got)
                left -= got
            s.lines = total
            if progress:
                progress(s.end, idx.size)
    idx.lines_counted = True


def _read_line(handle, offset):
    keep = handle.tell()
    handle.seek(offset)
    line = handle.readline(_MAX_HEADER)
    handle.seek(keep)
    return line.rstrip(b"\n")


def _make(idx, raw, start, ordinal):
    crlf = raw.endswith(b"\r")
    text = raw.rstrip(b"\r").decode("utf-8", "replace")
    header = parse_header(text)
    if header is None:
        return None
    if crlf and not idx.crlf:
        idx.crlf = True
        idx.warnings.append("the dump has CRLF line ends; they are ignored when comparing")
    body = start + len(raw) + 1
    return Snapshot(ordinal, header, start, body, body, op=header.op, symbol=header.symbol)


def _no_headers(idx):
    path = idx.path
    if idx.size == 0:
        raise DumpError("the dump is empty", path=path, expected="print-ir snapshots",
                        fix=NO_HEADERS_FIX)
    with idx.open() as f:
        head = f.read(4096)
    if b"\0" in head or _binary(head):
        raise DumpError("this is a binary file, not an IR dump", path=path, offset=0,
                        expected="text with '// -----// IR Dump After ...' headers",
                        fix=NO_HEADERS_FIX)
    raise DumpError("no 'IR Dump' headers found", path=path,
                    expected="'// -----// IR Dump After ...' lines", fix=NO_HEADERS_FIX)


def _binary(head):
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start < len(head) - 4   # a cut multibyte character at the end is fine
    return False


def _finish(idx):
    """Fill the scope of op-scope snapshots from their first op line; flag a cut tail."""
    snaps = idx.snapshots
    if not snaps:
        return
    idx.module_scope = any(s.header.op for s in snaps)
    with idx.open() as f:
        if not idx.module_scope:
            for s in snaps:
                s.op, s.symbol = _first_op(f, s)
        last = snaps[-1]
        if not _ends_whole(f, last.body, last.end):
            last.truncated = True
            idx.warnings.append(
                f"snapshot {last.index} ({last.pass_name}) is cut off at byte {last.end}: "
                "the dump is truncated; the other snapshots are fine")


_TAIL = 1 << 20


def _ends_whole(f, start, end) -> bool:
    """Whether a print ends as a whole op does: its closing `}` line, with its location
    under --mlir-print-debuginfo (`} loc(...)`), or the `#loc = loc(...)` definitions
    printed after it."""
    f.seek(max(start, end - _TAIL))
    tail = f.read(end - f.tell()).rstrip()
    eol = tail.rfind(b"\n")
    if eol < 0 and end - start > _TAIL:
        return True   # a last line over 1 MiB: too costly to judge, and never seen
    line = tail[eol + 1:].strip()
    if line.startswith(b"}"):
        rest = line[1:].lstrip()
        return not rest or (rest.startswith(b"loc(") and _closed(rest))
    return line.startswith(b"#loc") and line.endswith(b")") and _closed(line)


def _closed(text: bytes) -> bool:
    """Parentheses balanced, strings (which may hold any) skipped."""
    depth, k, n = 0, 0, len(text)
    while k < n:
        c = text[k]
        if c == 0x22:   # "
            k += 1
            while k < n and text[k] != 0x22:
                k += 2 if text[k] == 0x5C else 1   # a backslash escapes the next byte
            if k >= n:
                return False
        elif c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
        k += 1
    return depth == 0


def _first_op(f, snap):
    """(op name, symbol) from the first line that is not an alias definition."""
    f.seek(snap.body)
    after_alias = False
    while f.tell() < snap.end:
        line = f.readline(4096)
        if not line:
            break
        if mlir.is_head_line(line, after_alias) or not line.strip():
            after_alias = after_alias or line[:1] in (b"#", b"!")
            if not line.endswith(b"\n"):
                _skip_line(f)
            continue
        m = _OP_LINE.match(line)
        if m:
            op = m.group(1).decode()
            symbol = mlir.unquote((m.group(2) or b"").decode("utf-8", "replace"))
            return ("builtin.module" if op == "module" else op), symbol
        break
    return "", ""


def _skip_line(f):
    while True:
        part = f.readline(1 << 20)
        if not part or part.endswith(b"\n"):
            return
