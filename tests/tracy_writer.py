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
