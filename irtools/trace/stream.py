"""A forward-only reader over the decoded payload of a capture.

Only a few blocks are held at a time, so the reader's memory does not grow
with the file. Every read that runs past the data becomes a TruncatedTrace
naming the uncompressed offset and what was being read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from irtools.errors import CorruptTrace, TruncatedTrace
from irtools.trace import Progress
from irtools.trace.container import BLOCK_SIZE, FIX_TRUNCATED, Container

if TYPE_CHECKING:
    from numpy.typing import DTypeLike, NDArray

_U64 = struct.Struct("<Q")


class Stream:
    def __init__(self, container: Container, *, threaded: bool = True,
                 progress: Progress | None = None) -> None:
        self.container = container
        self.path = container.path
        self._blocks: Iterator[tuple[int, bytes]] = container.payload(threaded=threaded)
        self.buf = b""
        self.pos = 0
        self.base = 0  # uncompressed offset of buf[0]
        self.file_offset = container.data_start
        self._short_block: int | None = None  # file offset of a block shorter than 64 KiB
        self._progress = progress
        self.what = "the header"  # what is being read, for error messages

    # -- buffer management -------------------------------------------------
    @property
    def offset(self) -> int:
        """Uncompressed offset of the next byte to read."""
        return self.base + self.pos

    def _next_block(self) -> bytes | None:
        item = next(self._blocks, None)
        if item is None:
            return None
        offset, data = item
        if self._short_block is not None:
            raise CorruptTrace("a block decodes to fewer than 64 KiB but is not the last one",
                               path=self.path, offset=self._short_block,
                               expected="64 KiB per block but the last")
        if len(data) < BLOCK_SIZE:
            self._short_block = offset
        self.file_offset = offset
        if self._progress is not None:
            self._progress(offset, self.container.size)
        return data

    def fill(self, n: int) -> bool:
        """Make at least n bytes available after pos; False at the end of the data."""
        have = len(self.buf) - self.pos
        if have >= n:
            return True
        parts = [self.buf[self.pos:]] if have else []
        self.base += self.pos
        while have < n:
            data = self._next_block()
            if data is None:
                self.buf, self.pos = b"".join(parts), 0
                return False
            parts.append(data)
            have += len(data)
        self.buf, self.pos = (parts[0] if len(parts) == 1 else b"".join(parts)), 0
        return True

    def need(self, n: int) -> None:
        if not self.fill(n):
            self.truncated(n)

    def truncated(self, n: int) -> NoReturn:
        raise TruncatedTrace(
            f"the data ends while reading {self.what} "
            f"({len(self.buf) - self.pos} of {n} bytes left at uncompressed offset {self.offset})",
            path=self.path, offset=self.container.size, fix=FIX_TRUNCATED)

    def at_end(self) -> bool:
        return not self.fill(1)

    # -- typed reads --------------------------------------------------------
    def unpack(self, st: struct.Struct) -> tuple[Any, ...]:
        self.need(st.size)
        values = st.unpack_from(self.buf, self.pos)
        self.pos += st.size
        return values

    def u64(self) -> int:
        self.need(8)
        (v,) = _U64.unpack_from(self.buf, self.pos)
        self.pos += 8
        return int(v)

    def count(self, limit: int, item_size: int = 1) -> int:
        """A u64 element count, checked against what the rest of the file could hold."""
        at = self.offset
        n = self.u64()
        room = self.container.max_payload - self.offset
        if n > limit:
            raise CorruptTrace(f"{self.what}: a count of {n} is implausible", path=self.path,
                               offset=self.file_offset,
                               expected=f"at most {limit} (uncompressed offset {at})")
        if n * max(item_size, 1) > room:
            raise TruncatedTrace(
                f"{self.what} claims {n} entries but the file ends within "
                f"{room} more bytes (uncompressed offset {at}); it is truncated or corrupt",
                path=self.path, offset=self.file_offset, fix=FIX_TRUNCATED)
        return n

    def read(self, n: int) -> bytes:
        self.need(n)
        data = self.buf[self.pos:self.pos + n]
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        while n > 0:
            have = len(self.buf) - self.pos
            if have >= n:
                self.pos += n
                return
            n -= have
            self.pos = len(self.buf)
            if not self.fill(1):
                self.truncated(n)

    def string(self, limit: int = 1 << 20) -> str:
        n = self.count(limit)
        return self.read(n).decode("utf-8", "replace")

    def array(self, n: int, dtype: DTypeLike) -> NDArray[Any]:
        """n records of a numpy dtype, read in pieces so no extra copy of the whole is held."""
        dt = np.dtype(dtype)
        out = np.empty(n, dt)
        raw = out.view(np.uint8)
        done, total = 0, n * dt.itemsize
        while done < total:
            if not self.fill(1):
                self.truncated(total - done)
            take = min(total - done, len(self.buf) - self.pos)
            raw[done:done + take] = np.frombuffer(self.buf, np.uint8, take, self.pos)
            self.pos += take
            done += take
        return out
