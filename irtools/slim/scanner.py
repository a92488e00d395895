"""The streaming constant finder: reads MLIR text in chunks, never the whole file.

A state machine over a byte buffer: plain text is handed on as it comes; a
`dense<"0x...">` or `dense<[...]>` attribute is decoded piece by piece into a
`BlobStore` (so a constant split across chunks, or larger than memory, is fine),
then its type is read and a `Policy` says what to write in its place.
"""

from __future__ import annotations

import binascii
import dataclasses
import os
import re

from irtools.errors import MlirError
from irtools.slim._literals import Unsupported, list_bytes
from irtools.slim._types import ShapedType, parse_type, read_type

CHUNK = 8 << 20
LOOKAHEAD = 64 << 10   # enough to hold the type after a constant
HELD_LINE = 64 << 10   # the current line is held back so a policy can rewrite its start
_FUNC = re.compile(rb"(?:func\.func|util\.func)\s+(?:(?:private|public|nested)\s+)*@([\w.$-]+|\"[^\"]*\")")
_GLOBAL = re.compile(rb"util\.global\b[^@]*@([\w.$-]+|\"[^\"]*\")")
_SSA = re.compile(rb"^\s*%([\w.$-]+)\s*=")
_HEX_DIGITS = re.compile(rb"[^0-9A-Fa-f]")
_LIST_MARKS = re.compile(rb"[\[\]\"]")
_FIRST_TOKEN = re.compile(rb"\s*(?://[^\n]*\n\s*)*(\S{0,40})")
_MLIR_START = re.compile(rb'(module\b|builtin\.module|"builtin\.module"|[#!][\w.$-]+\s*=|'
                         rb'"?[A-Za-z_][\w$]*\.[\w.$]+|%|\{-#|$)')


@dataclasses.dataclass
class Constant:
    """One large element attribute found in the file."""

    line: int
    offset: int          # byte offset of `dense<` in the input
    kind: str            # "hex" or "list"
    name: str            # where it came from: global symbol, function.ssa name, or function
    type: str = ""
    nbytes: int = 0
    action: str = ""     # "moved", or why it stayed: "small", "splat", "type"
    key: str = ""
    duplicate: bool = False
    digest: str = ""


class Policy:
    """What to do with each constant; subclasses write the output."""

    min_bytes = 1024

    def text(self, data: bytes):
        pass

    def place(self, const: Constant, ty: ShapedType, store, head: bytes) -> bytes | None:
        """Keep the blob in `store` and return the new text for `head` + attribute, or None
        to leave it inline. A report writes nothing, so anything but None will do."""
        return head

    def keep(self, const: Constant, original) -> None:
        """The constant stays inline: `original` yields its text."""

    def metadata(self, scanner: Scanner) -> None:
        """The input has a `{-#` section at the scanner's position; the default copies it."""
        scanner.copy_rest(self.text)


class Scanner:
    def __init__(self, path, policy: Policy, store, *, progress=None, chunk=CHUNK):
        self.path = os.fspath(path)
        self.policy, self.store = policy, store
        self.progress = progress or (lambda done, total: None)
        self.chunk = chunk
        self.constants: list[Constant] = []
        self.buf, self.pos, self.base = b"", 0, 0
        self.line, self.func, self.held = 1, "", b""
        self.total = 0
        self._file = None
        self.eof = False

    # -- reading -------------------------------------------------------------------------
    def more(self) -> bool:
        """Drop consumed bytes and read the next chunk; False at end of file."""
        if self.eof:
            return False
        data = self._file.read(self.chunk)
        self.base += self.pos
        self.buf, self.pos = self.buf[self.pos:] + data, 0
        self.eof = not data
        self.progress(min(self.base + len(self.buf), self.total), self.total)
        return bool(data)

    def start_at(self, file, offset: int):
        """Read from the open `file`, positioned at `offset`, instead of from the start."""
        self._file, self.base, self.total = file, offset, os.fstat(file.fileno()).st_size

    def _fill(self, n):
        """Read on until `n` bytes follow the position (or the file ends)."""
        while len(self.buf) - self.pos < n and self.more():
            pass

    def copy_rest(self, write):
        """Hand everything from the current position to the end of the file to `write`."""
        while True:
            write(self.buf[self.pos:])
            self.pos = len(self.buf)
            if not self.more():
                return

    def run(self) -> list[Constant]:
        try:
            self._file = open(self.path, "rb")
        except OSError as err:
            raise MlirError(f"cannot read the input: {err.strerror}", path=self.path) from err
        with self._file:
            self.total = os.fstat(self._file.fileno()).st_size
            self._fill(4096)
            self._check_start()
            self._scan()
        self.progress(self.total, self.total)
        return self.constants

    def _check_start(self):
        head = self.buf[:4096]
        if head.startswith(b"ML\xefR"):
            raise MlirError("this is MLIR bytecode, not text", path=self.path, offset=0,
                            fix="convert it first: iree-opt IN.mlirbc -o IN.mlir")
        token = _FIRST_TOKEN.match(head).group(1)
        if b"\0" in head or not _MLIR_START.match(token):
            shown = token.decode("utf-8", "replace")
            raise MlirError(f"not an MLIR text file: it starts with {shown!r}", path=self.path, offset=0,
                            expected="MLIR text such as 'module {' or 'func.func'")

    # -- text ----------------------------------------------------------------------------
    def _text(self, data: bytes):
        """Pass text on, holding back the current line (a policy may rewrite its start)."""
        if not data:
            return
        held = self.held + data
        cut = held.rfind(b"\n") + 1
        if not cut and len(held) > HELD_LINE:
            cut = len(held) - 4096
        if cut:
            done = held[:cut]
            self.line += done.count(b"\n")
            for m in _FUNC.finditer(done):
                self.func = m.group(1).strip(b'"').decode("utf-8", "replace")
            self.policy.text(done)
            held = held[cut:]
        self.held = held

    def _scan(self):
        while True:
            i = self.buf.find(b"dense<", self.pos)
            meta = self.buf.find(b"{-#", self.pos, i if i != -1 else len(self.buf))
            if meta != -1:
                self._text(self.buf[self.pos:meta])
                self.pos = meta
                self._flush_held()
                self.policy.metadata(self)
                return
            if i == -1:
                keep = max(self.pos, len(self.buf) - 8)
                self._text(self.buf[self.pos:keep])
                self.pos = keep
                if not self.more():
                    self._text(self.buf[self.pos:])
                    self.pos = len(self.buf)
                    self._flush_held()
                    return
                continue
            self._text(self.buf[self.pos:i])
            self.pos = i
            if len(self.buf) - i < 9 and self.more():
                continue
            opener = self.buf[i + 6:i + 9]
            if opener == b'"0x':
                self._constant("hex")
            elif opener[:1] == b"[":
                self._constant("list")
            else:
                self._text(self.buf[i:i + 6])
                self.pos = i + 6

    def _flush_held(self):
        self.line += self.held.count(b"\n")
        self.policy.text(self.held)
        self.held = b""

    # -- constants -----------------------------------------------------------------------
    def _constant(self, kind: str):
        const = Constant(self.line + self.held.count(b"\n"), self.base + self.pos, kind, self._name())
        if kind == "hex":
            self.pos += 9
            self.store.start(self.base + self.pos)
            body = self._read_hex(const)
        else:
            self.pos += 6
            self.store.start()
            body = self._read_list(const)
        attribute = (const.offset, self.base + self.pos)
        self._fill(LOOKAHEAD)
        found = read_type(self.buf, self.pos)
        ty = parse_type(found[0]) if found else None
        const.type = found[0] if found else ""
        const.action = self._decide(const, ty, body)
        if const.action == "moved":
            head = self.held
            blob, const.duplicate = self.store.finish(const.name, _alignment(ty))
            const.key, const.digest = blob.key, self.store.digest()
            new = self.policy.place(const, ty, self.store, head)
            if new is not None:
                self.held = b""
                self._text(new)
            else:
                const.action = "context"
        if const.action != "moved":
            self._flush_held()
            self.policy.keep(const, self.read_input(*attribute))
            self.store.discard()
        self.constants.append(const)

    def read_input(self, start, stop):
        """Yield the input's bytes from `start` to `stop` (a constant already scanned)."""
        fd = self._file.fileno()
        while start < stop:
            data = os.pread(fd, min(CHUNK, stop - start), start)
            if not data:
                return
            start += len(data)
            yield data

    def _decide(self, const, ty, body) -> str:
        if ty is None or not ty.element_bytes:
            return "type"
        if const.kind == "list":
            try:
                for data in list_bytes(self.read_input(*body), ty):
                    self.store.write(data)
            except (Unsupported, ValueError):
                return "type"
        const.nbytes = self.store.length
        if const.nbytes != ty.nbytes:
            return "splat"
        if const.nbytes < self.policy.min_bytes:
            return "small"
        return "moved"

    def _name(self) -> str:
        line = self.held[self.held.rfind(b"\n") + 1:]
        m = _GLOBAL.search(line)
        if m:
            return m.group(1).strip(b'"').decode("utf-8", "replace")
        m = _SSA.match(line)
        ssa = m.group(1).decode("utf-8", "replace") if m else "const"
        return f"{self.func}.{ssa}" if self.func else ssa

    def _read_hex(self, const: Constant):
        """Decode hex digits up to the closing quote into the store; return their input range."""
        start = self.base + self.pos
        carry = b""   # an odd digit left at the end of a chunk
        while True:
            q = self.buf.find(b'"', self.pos)
            end = q if q != -1 else len(self.buf)
            first = self.pos
            if carry and first < end:
                self._write_hex(const, carry + self.buf[first:first + 1], first - 1)
                carry, first = b"", first + 1
            whole = end - (end - first) % 2 if q == -1 else end
            self._write_hex(const, memoryview(self.buf)[first:whole], first)
            carry += self.buf[whole:end]
            self.pos = end
            if q != -1:
                break
            if not self.more():
                raise MlirError('unterminated dense<"0x... constant: the file ends inside it',
                                path=self.path, offset=const.offset, line=const.line,
                                expected='hex digits closed by ">',
                                fix="the file is truncated; write it again")
        stop = self.base + self.pos
        if carry:
            self._write_hex(const, carry, self.pos - 1)   # reports the odd digit count
        self._fill(2)
        if self.buf[self.pos:self.pos + 2] != b'">':
            self._bad(const, stop, 'expected ">" after the hex string')
        self.pos += 2
        return start, stop

    def _write_hex(self, const, digits: bytes, offset_in_buf: int):
        try:
            data = binascii.a2b_hex(digits)
        except binascii.Error:
            m = _HEX_DIGITS.search(digits)
            if m is None:
                self._bad(const, self.base + offset_in_buf + len(digits),
                          'an odd number of digits in a dense<"0x..."> constant (expected pairs of hex digits)')
            found = bytes(digits[m.start():m.start() + 1]).decode("latin-1")
            self._bad(const, self.base + offset_in_buf + m.start(),
                      f"invalid hex digit {found!r} in a dense<\"0x...\"> constant (expected 0-9 and A-F)")
        self.store.write(data)

    def _read_list(self, const: Constant):
        """Find the end of a `[...]` literal; return its input range."""
        start, depth = self.base + self.pos, 0
        while True:
            end = None
            for m in _LIST_MARKS.finditer(self.buf, self.pos):
                depth += 1 if m.group() == b"[" else -1 if m.group() == b"]" else 0
                if depth == 0:
                    end = m.end()
                    break
            self.pos = end if end is not None else len(self.buf)
            if end is not None:
                break
            if not self.more():
                raise MlirError("unterminated dense<[... constant: the file ends inside it",
                                path=self.path, offset=const.offset, line=const.line,
                                expected="a list closed by ]>", fix="the file is truncated; write it again")
        stop = self.base + self.pos
        self._fill(1)
        if self.buf[self.pos:self.pos + 1] != b">":
            self._bad(const, stop, "expected '>' after the element list")
        self.pos += 1
        return start, stop

    def _bad(self, const, offset, problem):
        raise MlirError(problem, path=self.path, offset=offset, line=const.line,
                        fix="fix the constant in the file")


def _alignment(ty: ShapedType) -> int:
    size = max(1, ty.element_bytes)
    return 1 << (size - 1).bit_length()
