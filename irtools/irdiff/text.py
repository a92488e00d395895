"""Read snapshot text on demand: bounded reads, streaming hashes, trimmed ends."""

from __future__ import annotations

import bisect
import io
import os
import zlib

try:   # find() in C (see _prints.c); bytes.find where it was not built
    from irtools.irdiff._prints import find as _find
except ImportError:  # pragma: no cover - a build without a C compiler
    def _find(data, needle, start):
        return data.find(needle, start)

_BLOCK = 8 << 20


def content_end(f, snap) -> int:
    """Offset just past the last non-blank byte of the snapshot body."""
    end = snap.end
    while end > snap.body:
        start = max(snap.body, end - 4096)
        f.seek(start)
        part = f.read(end - start).rstrip()
        if part:
            return start + len(part)
        end = start
    return snap.body


def read_range(f, start, end) -> bytes:
    f.seek(start)
    return f.read(end - start)


def body(f, snap) -> bytes:
    """The snapshot's IR (header and trailing blank lines removed), CRLF made LF."""
    data = read_range(f, snap.body, content_end(f, snap))
    return data.replace(b"\r\n", b"\n") if b"\r" in data else data


def body_hash(f, snap, scrub=None) -> tuple:
    """A digest of `body(f, snap)` computed in bounded memory.

    `scrub(first_block) -> bytes` may rewrite the first block (where the module's
    attribute line is) before hashing.
    """
    # crc32 runs at memory speed; with the length it tells IR texts apart well
    # enough for change detection (diffs hash huge lines with blake2b instead).
    crc = 0
    length = 0
    first = True
    end = content_end(f, snap)
    f.seek(snap.body)
    left = end - snap.body
    pending_cr = False
    while left > 0:
        part = f.read(min(_BLOCK, left))
        if not part:
            break
        left -= len(part)
        if pending_cr:
            part = b"\r" + part
            pending_cr = False
        if b"\r" in part:
            if part.endswith(b"\r") and left > 0:
                part, pending_cr = part[:-1], True
            part = part.replace(b"\r\n", b"\n")
        if first and scrub is not None:
            part = scrub(part)
        first = False
        crc = zlib.crc32(part, crc)
        length += len(part)
    if pending_cr:
        crc = zlib.crc32(b"\r", crc)
        length += 1
    return crc, length


# Strings longer than this (hex constants, resource blobs) stand in a reduced text as
# a digest: comparing prints then costs a hash of them, and memory stays small.
LONG_STRING = 256
_HEX = b'"0x'


def reduced(f, snap, start=None, end=None, anchors=None, *, block=_BLOCK) -> bytes:
    """The snapshot's IR with every long `"0x..."` string replaced by `"0x~CRC~LENGTH"`.

    Two reduced texts are equal exactly when the IR texts are (up to crc32 collisions
    of equally long strings). Read in bounded blocks, so a snapshot with a 10 GB
    constant costs no more memory than one without it. `anchors`, a list, gets
    (offset in the reduced text, offset in the file) after each string replaced
    (see `file_offset`).
    """
    if start is None and end is None and anchors is None and snap.end - snap.body <= block:
        # Most snapshots are small: one read, and often no long string at all.
        data = _read_stripped(f, snap.body, snap.end)
        if _find(data, _HEX, 0) < 0:
            return data.replace(b"\r\n", b"\n") if b"\r" in data else data
        end = snap.body + len(data)
    start = snap.body if start is None else start
    end = content_end(f, snap) if end is None else end
    out = []
    crc, length = -1, 0    # inside a long string: its crc32 and length so far
    carry = b""            # the end of a block that may start a `"0x` string
    f.seek(start)
    left = end - start
    while True:
        part = f.read(min(block, left)) if left > 0 else b""
        left -= len(part)
        final = left <= 0 or not part
        data = carry + part if carry else part
        carry = b""
        pos, n = 0, len(data)
        while pos < n:
            if crc >= 0:
                q = data.find(b'"', pos)
                stop = n if q < 0 else q
                crc = zlib.crc32(memoryview(data)[pos:stop], crc)
                length += stop - pos
                if q < 0:
                    break
                out.append(b'"0x~%08x~%x"' % (crc, length))
                crc, pos = -1, q + 1
                if anchors is not None:
                    anchors.append((sum(map(len, out)), end - left - len(data) + pos))
                continue
            h = _find(data, _HEX, pos)
            if h < 0:
                keep = n if final else max(pos, n - 2)
                out.append(data[pos:keep])
                carry = data[keep:]
                break
            q = data.find(b'"', h + 3, h + 3 + LONG_STRING)
            if q >= 0:                       # a short string stays as it is
                out.append(data[pos:q + 1])
                pos = q + 1
            elif n - (h + 3) < LONG_STRING and not final:
                out.append(data[pos:h])      # too near the block's end to tell
                carry = data[h:]
                break
            else:
                out.append(data[pos:h])
                crc, length, pos = 0, 0, h + 3
        if final:
            break
    if crc >= 0:   # cut off inside a string (a truncated dump)
        out.append(b'"0x~%08x~%x' % (crc, length))
    data = b"".join(out)
    if b"\r" in data:   # CRLF ends: offsets are not kept
        data = data.replace(b"\r\n", b"\n")
        if anchors is not None:
            anchors.clear()
            anchors.append((-1, -1))
    return data


def _read_stripped(f, start, end) -> bytes:
    """`f`'s bytes from start to end without the blanks at the end. From a plain file,
    the blanks are found first, so the text is read at its size and not copied again."""
    raw = getattr(f, "raw", None)
    if isinstance(raw, io.FileIO) and hasattr(os, "pread") and end - start > 64:
        fd = raw.fileno()
        tail = os.pread(fd, 64, end - 64)
        blanks = len(tail) - len(tail.rstrip())
        if len(tail) == 64 and blanks < 64:
            return os.pread(fd, end - start - blanks, start)
    f.seek(start)
    return f.read(end - start).rstrip()


def file_offset(anchors, start, offset):
    """The file offset of `offset` in a reduced text read from `start` (None if it cannot
    be told: a CRLF dump)."""
    if anchors and anchors[0][0] < 0:
        return None
    k = bisect.bisect_right(anchors, (offset, float("inf"))) - 1
    if k < 0:
        return start + offset
    at, where = anchors[k]
    return where + (offset - at)
