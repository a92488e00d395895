"""Write `.tracy` containers around a decoded payload, for crafting bad inputs.

Only tests use this: it lets a test change a decoded byte (a version, a count)
and wrap it again as a valid container.
"""

from __future__ import annotations

import struct

import lz4.block
import zstandard

from irtools.trace.container import BLOCK_SIZE


def decode(path) -> bytes:
    from irtools.trace.container import Container

    c = Container(path)
    try:
        return b"".join(data for _, data in c.payload(threaded=False))
    finally:
        c.close()


def encode(payload: bytes, path, *, compression="zstd", streams=1, legacy=False):
    """Wrap a payload; `legacy` writes the old single-stream headers (tZst, tlZ\\x04)."""
    chunks = [payload[i:i + BLOCK_SIZE] for i in range(0, len(payload), BLOCK_SIZE)]
    if legacy:
        streams = 1
        out = bytearray(b"tZst" if compression == "zstd" else b"tlZ\x04")
    else:
        out = bytearray(b"tr\xfdP" + bytes([1 if compression == "zstd" else 0, streams]))
    if compression == "zstd":
        encoders = [zstandard.ZstdCompressor(level=3).compressobj() for _ in range(streams)]
        for i, chunk in enumerate(chunks):
            enc = encoders[i % streams]
            data = enc.compress(chunk) + enc.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            out += struct.pack("<I", len(data)) + data
    else:  # independent LZ4 blocks are a valid (if dictionary-free) stream
        for chunk in chunks:
            data = lz4.block.compress(chunk, store_size=False)
            out += struct.pack("<I", len(data)) + data
    with open(path, "wb") as f:
        f.write(out)
    return path


def srcloc_table(payload: bytes, path) -> tuple[int, int, list[int]]:
    """Where the static source locations start in a capture's decoded payload: (offset of
    their count, record size, the expand table: srcloc id k -> the key of record ...)."""
    from unittest import mock

    from irtools.trace import reader

    seen = {}
    read = reader._Reader.read_srclocs

    def spy(self, ptr_to_index):
        seen["at"] = self.s.offset
        return read(self, ptr_to_index)

    with mock.patch.object(reader._Reader, "read_srclocs", spy):
        reader.read_trace(path, tree=False)
    at, size = seen["at"], reader._SRCLOC_KEYED.itemsize
    (n,) = struct.unpack_from("<Q", payload, at)
    expand_at = at + 8 + n * size
    (m,) = struct.unpack_from("<Q", payload, expand_at)
    return at, size, list(struct.unpack_from(f"<{m}Q", payload, expand_at + 8))


def duplicate_srcloc(path, out, first: int, second: int, **encode_options):
    """A copy of a real capture in which static srcloc id `second` prints exactly as
    `first` (name, function, file, line, colour): what two instantiations of a C++
    template with a ZoneScoped give. Zones and ids stay as captured."""
    payload = bytearray(decode(path))
    at, size, expand = srcloc_table(payload, path)
    (n,) = struct.unpack_from("<Q", payload, at)
    records = {struct.unpack_from("<Q", payload, at + 8 + i * size)[0]: at + 8 + i * size
               for i in range(n)}
    src, dst = records[expand[first]], records[expand[second]]
    payload[dst + 8:dst + size] = payload[src + 8:src + size]
    return encode(bytes(payload), out, **encode_options)
