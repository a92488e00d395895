"""The outer `.tracy` container: header, compressed blocks, streams.

The file is a magic, a compression byte and a stream count, then blocks of
`u32 size + compressed bytes`. Block i belongs to stream i mod N; each stream
is one continuous LZ4 or zstd stream, and the payload is the decoded blocks
concatenated in file order. Each block decodes to 64 KiB except the last.
"""

from __future__ import annotations

import mmap
import os
import queue
import struct
import threading
from collections.abc import Callable, Generator, Iterator
from typing import TypeVar

from irtools._io import refuse_special
from irtools.errors import CorruptTrace, NotATrace, TruncatedTrace

MAGIC = b"tr\xfdP"
LEGACY_LZ4 = b"tlZ\x04"
LEGACY_ZSTD = b"tZst"
BLOCK_SIZE = 64 * 1024
# Largest compressed block the writer allows (the bigger of the LZ4 and zstd bounds).
MAX_BLOCK = 65536 + 65536 // 255 + 16 + 1024

LZ4, ZSTD = 0, 1
# Decoding threads: streams decode independently; more threads than cores only contend.
DECODERS = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1, 4)
_T = TypeVar("_T")
FIX_TRUNCATED = "the capture was cut short; capture it again and let iree-tracy-capture finish"


class Container:
    """An opened capture file: knows its compression and where its blocks start."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        if os.path.isdir(self.path):
            raise NotATrace("is a directory, not a Tracy capture", path=self.path,
                            fix="pass a .tracy file (or a run directory to a command that takes one)")
        refuse_special(self.path, NotATrace)
        try:
            self._file = open(self.path, "rb")
        except OSError as err:
            raise NotATrace(f"cannot open: {err.strerror}", path=self.path) from err
        self.size = os.fstat(self._file.fileno()).st_size
        if self.size == 0:
            self._file.close()
            raise NotATrace("the file is empty", path=self.path, offset=0,
                            expected="a Tracy capture starting with 'tr\\xfdP'")
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        self._max_payload: int | None = None
        head = self._map[:6]
        if head[:4] == MAGIC:
            if len(head) < 6:
                raise TruncatedTrace("the file ends inside its 6-byte header", path=self.path,
                                     offset=len(head), fix=FIX_TRUNCATED)
            self.compression, self.streams = head[4], head[5]
            if self.compression > 1:
                raise CorruptTrace(f"unknown compression type {self.compression}", path=self.path,
                                   offset=4, expected="0 (LZ4) or 1 (zstd)")
            if self.streams == 0:
                raise CorruptTrace("the stream count is 0", path=self.path, offset=5,
                                   expected="1 to 255 streams")
            self.data_start = 6
        elif head[:4] in (LEGACY_LZ4, LEGACY_ZSTD):
            self.compression = LZ4 if head[:4] == LEGACY_LZ4 else ZSTD
            self.streams = 1
            self.data_start = 4
        else:
            self._map.close()
            self._file.close()
            raise NotATrace(f"not a Tracy capture: the file starts with {bytes(head[:4])!r}",
                            path=self.path, offset=0,
                            expected="the magic 'tr\\xfdP'",
                            fix="pass a file written by iree-tracy-capture or Tracy's capture tool")

    @property
    def max_payload(self) -> int:
        """An upper bound of the decoded size: 64 KiB per block.

        Counting the blocks only reads their size fields. Every count read from
        the stream is checked against this, so a corrupt count cannot make the
        reader allocate more than the file could hold.
        """
        if self._max_payload is None:
            blocks, pos, end = 0, self.data_start, self.size
            while pos + 4 <= end:
                (size,) = struct.unpack_from("<I", self._map, pos)
                pos += 4 + size
                blocks += 1
            self._max_payload = blocks * BLOCK_SIZE
        return self._max_payload

    @property
    def compression_name(self) -> str:
        return "zstd" if self.compression == ZSTD else "lz4"

    def close(self) -> None:
        try:
            self._map.close()
        except (BufferError, ValueError):
            pass  # a view still alive; the mapping goes with it
        self._file.close()

    def blocks(self) -> Iterator[tuple[int, memoryview]]:
        """Yield (file_offset, compressed memoryview) for each block, in file order."""
        pos, end, view = self.data_start, self.size, memoryview(self._map)
        while pos < end:
            if pos + 4 > end:
                raise TruncatedTrace("the file ends inside a block's size field", path=self.path,
                                     offset=pos, fix=FIX_TRUNCATED)
            (size,) = struct.unpack_from("<I", self._map, pos)
            if size == 0 or size > MAX_BLOCK:
                raise CorruptTrace(f"a block claims {size} compressed bytes", path=self.path,
                                   offset=pos, expected=f"1 to {MAX_BLOCK} bytes")
            if pos + 4 + size > end:
                raise TruncatedTrace(f"the file ends inside a block of {size} bytes", path=self.path,
                                     offset=end, fix=FIX_TRUNCATED)
            yield pos, view[pos + 4:pos + 4 + size]
            pos += 4 + size

    def _decoders(self) -> Callable[[int, memoryview], bytes]:
        if self.compression == ZSTD:
            import zstandard

            decs = [zstandard.ZstdDecompressor().decompressobj() for _ in range(self.streams)]

            def decode(stream: int, data: memoryview) -> bytes:
                return decs[stream].decompress(data)
        else:
            import lz4.block

            prev: list[bytes | None] = [None] * self.streams

            def decode(stream: int, data: memoryview) -> bytes:
                if prev[stream] is None:
                    out: bytes = lz4.block.decompress(data, uncompressed_size=BLOCK_SIZE)
                else:
                    out = lz4.block.decompress(data, uncompressed_size=BLOCK_SIZE, dict=prev[stream])
                prev[stream] = out
                return out
        return decode

    def payload(self, threaded: bool = True) -> Generator[tuple[int, bytes]]:
        """Yield (file_offset, decoded bytes) per block: the uncompressed stream in pieces.

        Decoding runs in helper threads (both codecs release the GIL), so it
        overlaps with the parsing done by the consumer. Streams are independent,
        so a capture of several streams is decoded by up to DECODERS threads at
        once, each owning whole streams, and handed over in file order.
        """
        if not threaded:
            yield from self._decode_all()
            return
        workers = max(1, min(self.streams, DECODERS))
        gens = [_prefetch(self._decode_all(w, workers), depth=64) for w in range(workers)]
        try:
            index = 0
            while True:
                item = next(gens[(index % self.streams) % workers], None)
                if item is None:
                    return
                yield item
                index += 1
        finally:
            for gen in gens:
                gen.close()

    def _decode_all(self, worker: int = 0, workers: int = 1) -> Iterator[tuple[int, bytes]]:
        """Decode the blocks of the streams that belong to `worker` (all by default)."""
        decode = self._decoders()
        for index, (offset, data) in enumerate(self.blocks()):
            if (index % self.streams) % workers != worker:
                continue
            try:
                out = decode(index % self.streams, data)
            except Exception as err:  # zstd and lz4 raise their own error types
                raise CorruptTrace(f"block {index} does not decompress ({err})", path=self.path,
                                   offset=offset,
                                   expected=f"a valid {self.compression_name} block") from None
            if len(out) > BLOCK_SIZE:
                raise CorruptTrace(f"block {index} decodes to {len(out)} bytes", path=self.path,
                                   offset=offset, expected=f"at most {BLOCK_SIZE}")
            yield offset, out


class _End:
    """The last item of a prefetch queue: the producer's error, if it had one."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _prefetch(gen: Iterator[tuple[int, _T]], depth: int) -> Generator[tuple[int, _T]]:
    """Run a generator in a thread, handing its items over through a bounded queue."""
    q: queue.Queue[tuple[int, _T] | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[int, _T] | _End) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in gen:
                if not put(item):
                    return
            put(_End(None))
        except BaseException as err:  # handed to the consumer, raised there
            put(_End(err))

    thread = threading.Thread(target=work, name="tracy-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        thread.join()
