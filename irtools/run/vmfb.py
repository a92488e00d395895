"""Exported functions of a .vmfb and their ABI declarations, read without IREE's tools.

A .vmfb is a size-prefixed FlatBuffer `iree.vm.BytecodeModuleDef` (IREE's
schema runtime/src/iree/schemas/bytecode_module_def.fbs), by default wrapped in
a ZIP archive as its `module.fb` entry. Only what a signature needs is read:
exported_functions (field 7: local_name 0, internal_ordinal 1) and
function_signatures (field 8: attrs 1, each AttrDef key 0 and value 1). That
takes about a millisecond, where iree-dump-module takes 80 ms and prints the
whole module. Anything unexpected raises ValueError, and the caller asks
iree-dump-module instead.
"""

from __future__ import annotations

import struct
import zipfile

IDENTIFIER = b"IREE"
EXPORTS, SIGNATURES = 7, 8
MAX_FLATBUFFER = 1 << 30


class _FlatBuffer:
    def __init__(self, data: bytes):
        self.data = data

    def _u(self, fmt: str, pos: int) -> int:
        if pos < 0 or pos + struct.calcsize(fmt) > len(self.data):
            raise ValueError(f"offset {pos} is outside the {len(self.data)}-byte FlatBuffer")
        return struct.unpack_from(fmt, self.data, pos)[0]

    def deref(self, pos: int) -> int:
        return pos + self._u("<I", pos)

    def field(self, table: int, index: int) -> int | None:
        """Where field `index` of the table at `table` is stored, or None if absent."""
        vtable = table - self._u("<i", table)
        size = self._u("<H", vtable)
        at = 4 + 2 * index
        if at + 2 > size:
            return None
        offset = self._u("<H", vtable + at)
        return table + offset if offset else None

    def tables(self, table: int, index: int) -> list[int]:
        """The tables of a vector-of-tables field (empty if absent)."""
        pos = self.field(table, index)
        if pos is None:
            return []
        vec = self.deref(pos)
        n = self._u("<I", vec)
        if n > len(self.data) // 4:
            raise ValueError(f"a vector claims {n} entries")
        return [self.deref(vec + 4 + 4 * i) for i in range(n)]

    def string(self, table: int, index: int) -> str | None:
        pos = self.field(table, index)
        if pos is None:
            return None
        s = self.deref(pos)
        n = self._u("<I", s)
        if s + 4 + n > len(self.data):
            raise ValueError("a string runs past the end of the FlatBuffer")
        return self.data[s + 4:s + 4 + n].decode("utf-8")

    def i32(self, table: int, index: int, default: int = 0) -> int:
        pos = self.field(table, index)
        return default if pos is None else self._u("<i", pos)


def _module_flatbuffer(path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"PK\x03\x04":
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("module.fb")
            if info.file_size > MAX_FLATBUFFER:
                raise ValueError(f"module.fb is {info.file_size} bytes")
            return z.read(info)
    with open(path, "rb") as f:  # no ZIP wrapper: the FlatBuffer, then its external data
        return f.read(MAX_FLATBUFFER)


def exported_declarations(path) -> dict[str, str | None]:
    """Exported function name -> its `iree.abi.declaration` text (None if it has none)."""
    try:
        data = _module_flatbuffer(path)
    except Exception as err:  # noqa: BLE001 - a damaged ZIP raises many types; the tool decides
        raise ValueError(f"not a readable .vmfb ({err})") from None
    if data[8:12] == IDENTIFIER:  # size-prefixed, as IREE writes it
        data = data[4:]
    if data[4:8] != IDENTIFIER:
        raise ValueError("no IREE FlatBuffer identifier")
    fb = _FlatBuffer(data)
    root = fb.deref(0)
    signatures = fb.tables(root, SIGNATURES)
    out: dict[str, str | None] = {}
    for export in fb.tables(root, EXPORTS):
        name = fb.string(export, 0)
        ordinal = fb.i32(export, 1)
        if name is None or not 0 <= ordinal < len(signatures):
            raise ValueError(f"export {name!r} has no signature {ordinal}")
        out[name] = None
        for attr in fb.tables(signatures[ordinal], 1):
            if fb.string(attr, 0) == "iree.abi.declaration":
                out[name] = fb.string(attr, 1)
    return out
