"""The blob spool: constant data goes to a temporary file beside the output, deduplicated.

Blob content must go somewhere before we know whether it repeats an earlier blob; a
temporary file keeps memory flat whatever the model size. The spool holds hex text when
the output is a resource section (no re-encoding) and raw bytes for a parameter archive.
"""

from __future__ import annotations

import binascii
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
    offset: int      # in the spool
    length: int      # bytes of data (the spool may hold twice as many hex digits)
    alignment: int
    as_param: bool = False
    as_resource: bool = False


def clean_key(hint: str) -> str:
    """A resource key MLIR reads as a bare keyword: letters, digits, `_` and `.`."""
    key = _KEY_CHARS.sub("_", hint).strip(".") or "blob"
    return "_" + key if key[0].isdigit() else key


class BlobStore:
    """Spools blobs one at a time: `start`, `write`*, then `finish` (keep) or `discard`."""

    def __init__(self, folder=None, *, hex_spool: bool = True):
        self.hex_spool = hex_spool
        try:
            self.spool = tempfile.TemporaryFile(prefix=".irtools-slim-", dir=folder) if folder else None
        except OSError as err:
            raise OutputError(f"cannot create a temporary file: {err.strerror}", path=folder) from err
        self.blobs: dict[str, Blob] = {}
        self.reserved: set[str] = set()  # keys the input's own resource section uses
        self._by_digest: dict[tuple, str] = {}
        self._hash = None
        self._start = self._length = 0

    def start(self):
        self._hash = hashlib.sha256()
        self._length = 0
        if self.spool is not None:
            self._start = self.spool.seek(0, os.SEEK_END)

    def write(self, data: bytes, hex_text: bytes | None = None):
        """Add decoded `data`; `hex_text` is the same data as hex when the caller has it."""
        self._hash.update(data)
        self._length += len(data)
        if self.spool is not None:
            if self.hex_spool:
                data = hex_text if hex_text is not None else binascii.hexlify(data)
            self._guard(self.spool.write, data)

    @property
    def length(self) -> int:
        return self._length

    def digest(self) -> str:
        return self._hash.hexdigest()

    def finish(self, hint: str, alignment: int) -> tuple[Blob, bool]:
        """Keep the current blob under a key made from `hint`; returns (blob, is_duplicate)."""
        ident = (self._hash.digest(), self._length, alignment)
        known = self._by_digest.get(ident)
        if known is not None:
            self.discard()
            return self.blobs[known], True
        key, n = clean_key(hint), 1
        while key in self.blobs or key in self.reserved:
            n += 1
            key = f"{clean_key(hint)}.{n}"
        blob = Blob(key, self._start, self._length, alignment)
        self.blobs[key] = blob
        self._by_digest[ident] = key
        return blob, False

    def discard(self):
        if self.spool is not None:
            self._guard(self.spool.truncate, self._start)
            self.spool.seek(self._start)

    def read(self, blob_or_none=None):
        """Yield the spooled text (or bytes) of a kept blob, or of the current one."""
        if blob_or_none is None:
            start, stop = self._start, self.spool.seek(0, os.SEEK_END)
        else:
            width = 2 if self.hex_spool else 1
            start = blob_or_none.offset
            stop = start + blob_or_none.length * width
        self._guard(self.spool.flush)
        while start < stop:
            data = os.pread(self.spool.fileno(), min(READ_SIZE, stop - start), start)
            if not data:
                break
            start += len(data)
            yield data

    def close(self):
        if self.spool is not None:
            self.spool.close()

    @staticmethod
    def _guard(call, *args):
        try:
            return call(*args)
        except OSError as err:
            raise OutputError(f"cannot write the temporary blob spool: {err.strerror or err}",
                              fix="free some disk space beside the output") from err
