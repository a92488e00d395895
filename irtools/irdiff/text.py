"""Read snapshot text on demand: bounded reads, streaming hashes, trimmed ends."""

from __future__ import annotations

import zlib

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
