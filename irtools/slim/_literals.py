"""Literal element lists (`dense<[[1.0, 2.0], ...]>`) turned into little-endian bytes."""

from __future__ import annotations

import re

_TOKEN = re.compile(rb"[^\s,\[\]]+")
_BATCH = 1 << 16


class Unsupported(Exception):
    """The list holds something slim leaves inline (strings, complex numbers)."""


def list_bytes(chunks, ty):
    """Yield the bytes of the values in the text `chunks` of a list literal of type `ty`."""
    tail, batch = b"", []
    for chunk in chunks:
        text = tail + chunk
        cut = max(text.rfind(c) for c in (b",", b"]", b" ", b"\n", b"["))
        tail, text = text[cut + 1:], text[:cut + 1]
        batch += _TOKEN.findall(text)
        if len(batch) >= _BATCH:
            yield _convert(batch, ty)
            batch = []
    batch += _TOKEN.findall(tail)
    if batch:
        yield _convert(batch, ty)


def _convert(tokens, ty) -> bytes:
    import numpy as np

    if any(t[:1] in (b'"', b"(") for t in tokens):
        raise Unsupported("strings or complex values")
    width = ty.element_bytes * 8
    if ty.element.lstrip("su").startswith("i"):
        mask = (1 << width) - 1
        return np.array([int(t, 0) & mask for t in tokens], dtype=f"<u{ty.element_bytes}").tobytes()
    bits = np.array([_float_bits(t, ty.element) for t in tokens], dtype=f"<u{ty.element_bytes}") \
        if any(t.startswith(b"0x") for t in tokens) else _floats(np.array(tokens), ty.element)
    return bits.tobytes()


def _floats(tokens, element):
    import numpy as np

    values = tokens.astype(np.float64)
    if element == "f64":
        return values.astype("<f8").view("<u8")
    if element == "f16":
        return values.astype("<f2").view("<u2")
    f32 = values.astype("<f4").view("<u4")
    if element == "f32":
        return f32
    # bf16: round the float32 to nearest even on its top 16 bits.
    return ((f32 + 0x7FFF + ((f32 >> 16) & 1)) >> 16).astype("<u2")


def _float_bits(token, element) -> int:
    import numpy as np

    if token.startswith(b"0x"):  # MLIR prints NaN and infinities as their bit pattern
        return int(token, 16)
    return int(_floats(np.array([token]), element)[0])
