"""The `{-# dialect_resources: { builtin: {...} } #-}` section at the end of an MLIR file.

slim adds its blobs to the `builtin` entries. An input that already has a section keeps
it: its text is copied through and our entries are added inside (merged), in a stream,
since existing blobs may be large.
"""

from __future__ import annotations

import os
import re

from irtools.errors import MlirError

_TOKEN = re.compile(rb'"|\{|\}|#-\}|:|,')
_WORD = re.compile(rb"([\w.$-]+)\s*$")
_BUILTIN = [b"dialect_resources", b"builtin"]
TAIL = 64 << 10


class SectionCopier:
    """Copy a section from `scanner` (positioned at `{-#`) to `write`, calling `entries()`
    inside `dialect_resources.builtin` (created if missing); `entries()` returns whether it
    wrote any. The keys already in `builtin` are collected in `keys`."""

    def __init__(self, scanner, write, entries=None):
        self.s, self.write, self.entries = scanner, write, entries
        self.keys: set[str] = set()
        self.inserted = entries is None

    def run(self):
        s = self.s
        stack, counts, word, stack_key = [], [0], b"", b""
        self.write(b"{-#")
        s.pos += 3
        while True:
            m = _TOKEN.search(s.buf, s.pos)
            if m is None:
                keep = max(s.pos, len(s.buf) - 3)
                word = self._copy(keep, word)
                if not s.more():
                    raise MlirError("unterminated {-# ... #-} section: the file ends inside it",
                                    path=s.path, offset=s.base + s.pos, expected="#-}")
                continue
            word = self._copy(m.start(), word)
            tok = m.group()
            s.pos = m.end()
            if tok == b'"':
                word = self._string()
                continue
            if tok == b":":
                counts[-1] += 1
                if stack == _BUILTIN:
                    self.keys.add(word.decode("utf-8", "replace"))
                self.write(tok)
                stack_key = word
            elif tok == b"{":
                stack.append(stack_key)
                stack_key = b""
                counts.append(0)
                self.write(tok)
                if stack == _BUILTIN and not self.inserted:
                    self._peek()
                    empty = s.buf[s.pos:].lstrip()[:1] == b"}"
                    if self.entries() and not empty:
                        self.write(b",")
                    self.inserted = True
            elif tok == b"}":
                if stack == _BUILTIN[:1] and not self.inserted:
                    self.write(b",\n    builtin: {\n" if counts[-1] else b"\n    builtin: {\n")
                    self.entries()
                    self.write(b"\n    }\n  ")
                    self.inserted = True
                stack.pop()
                counts.pop()
                self.write(tok)
            elif tok == b"#-}":
                if not self.inserted:
                    self.write(b",\n" if counts[-1] else b"\n")
                    self.write(b"  dialect_resources: {\n    builtin: {\n")
                    self.entries()
                    self.write(b"\n    }\n  }\n")
                    self.inserted = True
                self.write(tok)
                s.copy_rest(self.write)
                return
            else:
                self.write(tok)
            word = b""

    def _copy(self, stop, word):
        """Write buf[pos:stop]; track the last bare word (a key, once a colon follows)."""
        text = self.s.buf[self.s.pos:stop]
        self.write(text)
        self.s.pos = stop
        m = _WORD.search(text)
        return m.group(1) if m else (word if not text.strip() else b"")

    def _string(self) -> bytes:
        """Copy a quoted string (maybe a multi-GB blob); return it if short (it may be a key)."""
        s = self.s
        self.write(b'"')
        start, short = s.pos, b""
        while True:
            q = s.buf.find(b'"', s.pos)
            while q > 0 and _escaped(s.buf, q):
                q = s.buf.find(b'"', q + 1)
            stop = q if q != -1 else len(s.buf)
            if len(short) < 4096:
                short += s.buf[s.pos:stop][:4096]
            self.write(s.buf[s.pos:stop + (q != -1)])
            s.pos = stop + (q != -1)
            if q != -1:
                return short if len(short) < 4096 else b""
            if not s.more():
                raise MlirError("unterminated string in the {-# #-} section", path=s.path,
                                offset=s.base + start, expected='a closing "')

    def _peek(self):
        while len(self.s.buf) - self.s.pos < 256 and self.s.more():
            pass


def _escaped(buf, q) -> bool:
    n = 0
    while q - n - 1 >= 0 and buf[q - n - 1] == 0x5C:
        n += 1
    return n % 2 == 1


def existing_keys(path, scanner_cls) -> set[str]:
    """The builtin resource keys of an input's trailing section, read before rewriting it.

    New keys must not collide with them, and the section comes last in the file.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(max(0, size - TAIL))
        if not f.read().rstrip().endswith(b"#-}"):
            return set()
        end = size
        while end > 0:  # blobs never contain `{-#`, so the last one starts the section
            start = max(0, end - (8 << 20))
            f.seek(start)
            chunk = f.read(end - start + 2)
            i = chunk.rfind(b"{-#")
            if i != -1:
                return _keys_from(path, start + i, scanner_cls)
            end = start
    return set()


def _keys_from(path, offset, scanner_cls) -> set[str]:
    from irtools.slim.scanner import Policy

    scanner = scanner_cls(path, Policy(), None)
    with open(path, "rb") as f:
        f.seek(offset)
        scanner.start_at(f, offset)
        scanner.more()
        copier = SectionCopier(scanner, lambda data: None)
        copier.run()
    return copier.keys
