"""Tensor and vector types as MLIR prints them: just what slim needs to know."""

from __future__ import annotations

import dataclasses
import math
import re

# Element types whose dense data is plain little-endian bytes, one element after another.
# i1 is left out: MLIR packs it differently in hex and in resource blobs.
_INT = re.compile(r"[su]?i(8|16|32|64)")
_FLOAT_BYTES = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8}
_SHAPED = re.compile(r"(tensor|vector)<((?:\d+x)*)([^,<>]+)(,.*)?>", re.S)


@dataclasses.dataclass(frozen=True)
class ShapedType:
    text: str
    kind: str          # "tensor" or "vector"
    shape: tuple
    element: str
    element_bytes: int  # 0 when the element type is not supported

    @property
    def count(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.count * self.element_bytes


def parse_type(text: str) -> ShapedType | None:
    """`tensor<4x8xf32>` -> ShapedType; None for anything else (dynamic, unranked, not shaped)."""
    m = _SHAPED.fullmatch(text.strip())
    if not m:
        return None
    shape = tuple(int(d) for d in m.group(2).split("x") if d)
    element = m.group(3).strip()
    size = _FLOAT_BYTES.get(element)
    if size is None:
        im = _INT.fullmatch(element)
        size = int(im.group(1)) // 8 if im else 0
    return ShapedType(text.strip(), m.group(1), shape, element, size)


def read_type(buf: bytes, pos: int):
    """Read `: <type>` at `pos` (after an attribute); return (type text, end) or None.

    None also when the buffer ends inside the type: callers give enough lookahead.
    """
    m = re.compile(rb"\s*:\s*([A-Za-z_][\w.]*)<").match(buf, pos)
    if not m:
        return None
    depth, i = 1, m.end()
    while depth:
        lt, gt = buf.find(b"<", i), buf.find(b">", i)
        if gt == -1:
            return None
        if lt != -1 and lt < gt:
            depth, i = depth + 1, lt + 1
        else:
            depth, i = depth - 1, gt + 1
    return buf[m.start(1):i].decode("utf-8", "replace"), i
