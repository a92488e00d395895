"""Index a print-ir dump: byte offsets of every snapshot, never the whole file in memory.

The file is read in large chunks into one reused buffer; `bytes.find` locates the
`IR Dump ` markers, so indexing runs near the speed of `grep`. Text is read later,
on demand, from the offsets kept here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from irtools.errors import DumpError
from irtools.irdiff.header import PREFIXES, Header, parse_header

CHUNK = 16 << 20
_MARK = b"IR Dump "
_MAX_HEADER = 1 << 20
NO_HEADERS_FIX = ("make a dump with iree-compile --mlir-print-ir-after-all "
                  "(add --mlir-print-ir-before-all for exact changed flags) 2> dump.txt, "
                  "or use `irtools ir capture`")
# The first op line of an op-scope snapshot: `util.func public @main(`, `module {`, ...
_OP_LINE = re.compile(rb'^"?([A-Za-z_][\w.$-]*)"?(?:\s+(?:public|private|nested))*(?:\s+@("(?:[^"\\]|\\.)*"|[\w$.-]+))?')


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

    def __len__(self):
        return len(self.snapshots)

    def __getitem__(self, i):
        return self.snapshots[i]


def scan(path, *, progress=None, chunk=CHUNK, require=True) -> Index:
    """Index the dump at `path`. `progress(done, total)` is called once per chunk."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise DumpError("this is a directory, not a dump file", path=path,
                        fix="pass the dump file; a --mlir-print-ir-tree-dir folder is read by open_dump")
    try:
        handle = open(path, "rb", buffering=0)
    except OSError as err:
        raise DumpError(f"cannot open the dump: {err.strerror}", path=path) from err
    with handle:
        size = os.fstat(handle.fileno()).st_size
        idx = Index(path, size)
        _scan(handle, idx, progress, chunk)
    if not idx.snapshots and require:
        _no_headers(path, size)
    _finish(idx)
    return idx


def _scan(handle, idx, progress, chunk):
    snaps = idx.snapshots
    buf = bytearray(chunk + 64)
    view = memoryview(buf)
    keep = 0                # bytes carried over at buf[0:keep]: an unfinished short last line
    base = 0                # file offset of buf[0]
    line_start = True       # buf[0] starts a line
    misplaced = 0
    marker = None
    while True:
        got = handle.readinto(view[keep:keep + chunk])
        if not got:
            break
        n = keep + got
        if marker is None:
            marker = _marker(buf, n)
        i = buf.find(marker, 0, n)
        while i >= 0:
            if (i == 0 and line_start) or (i > 0 and buf[i - 1] == 10):
                eol = buf.find(b"\n", i, n)
                raw = bytes(buf[i:eol]) if eol >= 0 else _read_line(handle, base + i)
                snap = _make(idx, raw, base + i, len(snaps))
                if snap is not None:
                    if snaps:
                        snaps[-1].end = snap.start
                    snaps.append(snap)
            else:
                misplaced += 1
            i = buf.find(marker, i + len(marker), n)
        last_nl = buf.rfind(b"\n", 0, n)
        tail = n - (last_nl + 1)
        if tail < len(marker) and (last_nl >= 0 or line_start):
            buf[0:tail] = buf[last_nl + 1:n]
            keep, line_start = tail, True
        else:
            keep, line_start = 0, buf[n - 1] == 10
        base += n - keep
        if progress:
            progress(base, idx.size)
    if snaps:
        snaps[-1].end = base + keep
        idx.preamble = snaps[0].start
    if misplaced:
        idx.warnings.append(
            f"{misplaced} 'IR Dump' headers are not at the start of a line: the output of a "
            "threaded compile is interleaved; recompile with --mlir-disable-threading")


def _marker(buf, n):
    """The header prefix this dump uses; the long marker lets `find` skip fast."""
    for prefix in PREFIXES:
        if buf.find(prefix + _MARK, 0, n) >= 0:
            return prefix + _MARK
    return PREFIXES[0] + _MARK


def count_lines(idx, *, progress=None):
    """Fill `lines` of every snapshot (a second, cheap pass; the index itself skips it)."""
    if idx.lines_counted:
        return
    buf = bytearray(CHUNK)
    with open(idx.path, "rb", buffering=0) as f:
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


def _no_headers(path, size):
    if size == 0:
        raise DumpError("the dump is empty", path=path, expected="print-ir snapshots",
                        fix=NO_HEADERS_FIX)
    with open(path, "rb") as f:
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
    with open(idx.path, "rb") as f:
        if not idx.module_scope:
            for s in snaps:
                s.op, s.symbol = _first_op(f, s)
        last = snaps[-1]
        f.seek(max(last.body, last.end - 64))
        tail = f.read(last.end - f.tell()).rstrip()
        if not tail.endswith(b"}"):
            last.truncated = True
            idx.warnings.append(
                f"snapshot {last.index} ({last.pass_name}) is cut off at byte {last.end}: "
                "the dump is truncated; the other snapshots are fine")


def _first_op(f, snap):
    """(op name, symbol) from the first line that is not an alias definition."""
    f.seek(snap.body)
    while f.tell() < snap.end:
        line = f.readline(4096)
        if not line:
            break
        if line[:1] in (b"#", b"!") or not line.strip():
            if not line.endswith(b"\n"):
                _skip_line(f)
            continue
        m = _OP_LINE.match(line)
        if m:
            op = m.group(1).decode()
            return ("builtin.module" if op == "module" else op), (m.group(2) or b"").strip(b'"').decode()
        break
    return "", ""


def _skip_line(f):
    while True:
        part = f.readline(1 << 20)
        if not part or part.endswith(b"\n"):
            return
