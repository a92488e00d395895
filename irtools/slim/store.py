"""Blobs, deduplicated by digest, and where their bytes can be read back.

A blob spelled in hex in the input (`dense<"0x...">`) is read back from the input
itself by offset, so the resource section is a plain copy. Only what the input does
not hold in that form goes to a temporary file beside the output: the raw bytes a
parameter archive needs, and the bytes of literal lists (`dense<[1.0, ...]>`).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import os
import re
import tempfile

from irtools.errors import OutputError

READ_SIZE = 8 << 20
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_.]")


@dataclasses.dataclass
class Blob:
    key: str
    length: int          # bytes of data
    alignment: int
    source: int | None   # input offset of its hex digits (2 * length of them), if any
    offset: int = -1     # of its raw bytes in the spool; -1 when not spooled
    as_param: bool = False
    as_resource: bool = False


def clean_key(hint: str) -> str:
    """A resource key MLIR reads as a bare keyword: letters, digits, `_` and `.`."""
    key = _KEY_CHARS.sub("_", hint).strip(".") or "blob"
    return "_" + key if key[0].isdigit() else key


class BlobStore:
    """Takes blobs one at a time: `start`, `write`*, then `finish` (keep) or `discard`.

    With no `folder` nothing is spooled (a report). `spool_hex` spools hex blobs too.
    Hashing and spooling run in a helper thread (both release the GIL), overlapping
    the caller's hex decoding; one write is in flight at a time, so memory stays flat.
    """

    def __init__(self, folder=None, *, spool_hex: bool = False):
        self.spool_hex = spool_hex
        try:
            self.spool = tempfile.TemporaryFile(prefix=".irtools-slim-", dir=folder) if folder else None
        except OSError as err:
            raise OutputError(f"cannot create a temporary file: {err.strerror}", path=folder) from err
        self.blobs: dict[str, Blob] = {}
        self.reserved: set[str] = set()  # keys the input's own resource section uses
        self._by_digest: dict[tuple, str] = {}
        self._hash = None
        self._start = self._length = 0
        self._source = None
        self._spooling = False
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="irtools-slim")
        self._pending = None

    def start(self, source: int | None = None):
        """Begin a blob; `source` is the input offset of its hex digits, if it has them."""
        self._wait()
        self._hash = hashlib.sha256()
        self._length = 0
        self._source = source
        self._spooling = self.spool is not None and (source is None or self.spool_hex)
        if self._spooling:
            self._start = self.spool.seek(0, os.SEEK_END)

    def write(self, data: bytes):
        """Add decoded bytes to the current blob."""
        self._wait()
        self._length += len(data)
        self._pending = self._worker.submit(self._absorb, data)

    def _absorb(self, data):
        self._hash.update(data)
        if self._spooling:
            self.spool.write(data)

    def _wait(self):
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._guard(pending.result)

    @property
    def length(self) -> int:
        return self._length

    def digest(self) -> str:
        self._wait()
        return self._hash.hexdigest()

    def finish(self, hint: str, alignment: int) -> tuple[Blob, bool]:
        """Keep the current blob under a key made from `hint`; returns (blob, is_duplicate)."""
        self._wait()
        ident = (self._hash.digest(), self._length, alignment)
        known = self._by_digest.get(ident)
        if known is not None:
            self.discard()
            return self.blobs[known], True
        key, n = clean_key(hint), 1
        while key in self.blobs or key in self.reserved:
            n += 1
            key = f"{clean_key(hint)}.{n}"
        blob = Blob(key, self._length, alignment, self._source,
                    self._start if self._spooling else -1)
        self.blobs[key] = blob
        self._by_digest[ident] = key
        return blob, False

    def discard(self):
        self._wait()
        if self._spooling:
            self._guard(self.spool.truncate, self._start)
            self.spool.seek(self._start)

    def read(self, blob: Blob):
        """Yield the spooled bytes of a kept blob."""
        start, stop = blob.offset, blob.offset + blob.length
        self._wait()
        self._guard(self.spool.flush)
        while start < stop:
            data = os.pread(self.spool.fileno(), min(READ_SIZE, stop - start), start)
            if not data:
                break
            start += len(data)
            yield data

    def close(self):
        self._pending = None
        self._worker.shutdown()
        if self.spool is not None:
            self.spool.close()

    @staticmethod
    def _guard(call, *args):
        try:
            return call(*args)
        except OSError as err:
            raise OutputError(f"cannot write the temporary blob spool: {err.strerror or err}",
                              fix="free some disk space beside the output") from err
