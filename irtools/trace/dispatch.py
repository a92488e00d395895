"""Parse IREE dispatch names: `main_dispatch_0_matmul_256x256x512_f32`.

IREE names each dispatch `<function>_dispatch_<ordinal>_<op kind>_<shape>_<types>`
(the function may carry `$async`); the suffix is a summary of the dominant op.
"""

from __future__ import annotations

import re
from typing import TypedDict

_DISPATCH = re.compile(r"^(?P<function>.+?)_dispatch_(?P<ordinal>\d+)(?:_(?P<rest>.*))?$")
_SHAPE = re.compile(r"^(?:\d+|D)(?:x(?:\d+|D))*(?:x(?P<type>[a-z]+\d*))?$")
_TYPE = re.compile(r"^(?:[fi]\d+|bf16|f8E\w+|i1|index)(?:x(?:[fi]\d+|bf16))*$")

# Op kinds IREE prints, folded into the categories `--by op` sums.
_CATEGORIES = (
    ("attention", "attention"), ("softmax", "softmax"), ("mmt4d", "matmul"),
    ("matmul", "matmul"), ("matvec", "matmul"), ("vecmat", "matmul"), ("contract", "matmul"),
    ("conv", "conv"), ("pooling", "pooling"), ("reduction", "reduction"),
    ("argmax", "reduction"), ("transpose", "transpose"), ("unpack", "pack"), ("pack", "pack"),
    ("elementwise", "elementwise"), ("broadcast", "elementwise"), ("fill", "fill"),
    ("scatter", "scatter"), ("gather", "gather"), ("sort", "sort"), ("topk", "sort"),
    ("fft", "fft"), ("slow_memcpy", "copy"), ("copy", "copy"), ("generic", "generic"),
)


class Dispatch(TypedDict):
    """The parts of a dispatch name."""

    function: str
    ordinal: int
    op_kind: str
    op: str
    shape: str
    element_type: str


def is_dispatch(name: str) -> bool:
    return _DISPATCH.match(name) is not None


def executable_of(dispatch: str) -> str | None:
    """`prefill_dispatch_3_matmul_32x384x128_f32` -> `prefill_dispatch_3`, its executable."""
    m = _DISPATCH.match(dispatch)
    return f"{m['function']}_dispatch_{m['ordinal']}" if m else None


def parse_dispatch(name: str) -> Dispatch | None:
    """Split a dispatch name into function, ordinal, op kind, shape and element types."""
    m = _DISPATCH.match(name)
    if m is None:
        return None
    function = m["function"].replace("$async", "")
    rest = m["rest"] or ""
    tokens = rest.split("_") if rest else []
    op: list[str] = []
    shape = ""
    types: list[str] = []
    for i, tok in enumerate(tokens):
        sm = _SHAPE.match(tok)
        if sm and (op or i > 0) and not shape:
            shape = tok if sm["type"] is None else tok[: -len(sm["type"]) - 1]
            if sm["type"]:
                types.append(sm["type"])
            types += [t for t in tokens[i + 1:] if _TYPE.match(t)]
            break
        op.append(tok)
    op_kind = "_".join(op) or "unknown"
    return {
        "function": function,
        "ordinal": int(m["ordinal"]),
        "op_kind": op_kind,
        "op": op_category(op_kind),
        "shape": shape,
        "element_type": "x".join(dict.fromkeys(types)),
    }


def short_label(name: str) -> str | None:
    """`prefill_dispatch_7_matmul_32x384x128_f32` -> `7 matmul 32x384x128`; None if not
    a dispatch name (the function is in the table's title, the types rarely differ)."""
    p = parse_dispatch(name)
    return f"{p['ordinal']} {p['op_kind']} {p['shape']}".strip() if p else None


def op_category(op_kind: str) -> str:
    for needle, category in _CATEGORIES:
        if needle in op_kind:
            return category
    return op_kind.split("_")[0] if op_kind else "unknown"

