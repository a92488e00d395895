"""Parse CPU zone timelines into column arrays, resumably, buffer by buffer.

The C extension `_timeline` does the work; `parse_cpu_py` is the same state
machine in Python, used where the extension could not be built (and by the
tests, to keep the two in agreement).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from irtools.trace.alloc import empty

if TYPE_CHECKING:
    from numpy.typing import NDArray

# Offsets into the state array; see _timeline.c.
REF, OUT, CAP, SP, STACKCAP, STATUS, VECS, HEAD = 0, 1, 2, 3, 4, 5, 6, 8
NEED_BYTES, DONE, OUT_FULL, STACK_FULL = 0, 1, -1, -2

_parse_cpu_c: Callable[..., int] | None
try:
    from irtools.trace._timeline import parse_cpu as _parse_cpu_c
except ImportError:  # pragma: no cover - depends on the build
    _parse_cpu_c = None

_HEADER = struct.Struct("<hqII")
_END = struct.Struct("<q")


def parse_cpu_py(buf: bytes, pos: int, state: NDArray[np.int64], start: NDArray[np.int64],
                 end: NDArray[np.int64], srcloc: NDArray[np.int16], extra: NDArray[np.uint32],
                 depth: NDArray[np.uint16], parent: NDArray[np.int32]) -> int:
    """Pure-Python twin of the C parser: same arguments, same result."""
    ref, out, cap, sp = (int(v) for v in state[[REF, OUT, CAP, SP]])
    stackcap, vecs = int(state[STACKCAP]), int(state[VECS])
    stack = [int(v) for v in state[HEAD:HEAD + 2 * sp]]
    length = len(buf)
    tree = len(depth) > 0 or len(parent) > 0
    status = NEED_BYTES
    while True:
        if stack[-1] > 0:
            if length - pos < 18:
                break
            if out >= cap:
                status = OUT_FULL
                break
            if sp >= stackcap:
                status = STACK_FULL
                break
            sl, delta, ex, children = _HEADER.unpack_from(buf, pos)
            pos += 18
            ref += delta
            start[out] = ref
            end[out] = -1
            srcloc[out] = sl
            extra[out] = ex
            if tree:
                depth[out] = min(sp - 1, 65535)
                parent[out] = stack[-2]
            stack[-1] -= 1
            if children:
                vecs += 1
            stack += [out, children]
            sp += 1
            out += 1
        elif sp == 1:
            status = DONE
            break
        else:
            if length - pos < 8:
                break
            ref += _END.unpack_from(buf, pos)[0]
            pos += 8
            end[stack[-2]] = ref
            del stack[-2:]
            sp -= 1
    state[REF], state[OUT], state[SP], state[STATUS], state[VECS] = ref, out, sp, status, vecs
    state[HEAD:HEAD + 2 * sp] = stack
    return pos


parse_cpu: Callable[..., int] = _parse_cpu_c or parse_cpu_py
HAVE_EXTENSION = _parse_cpu_c is not None


class ZoneColumns:
    """Growable column arrays for CPU zones of all threads."""

    def __init__(self, capacity: int, tree: bool = True) -> None:
        """`tree=False` leaves depth and parent empty: 6 bytes a zone less, for
        statistics that need no nesting."""
        capacity = max(int(capacity), 16)
        self.tree = tree
        self.start: NDArray[np.int64] = empty(capacity, np.int64)
        self.end: NDArray[np.int64] = empty(capacity, np.int64)
        self.srcloc: NDArray[np.int16] = empty(capacity, np.int16)
        self.extra: NDArray[np.uint32] = empty(capacity, np.uint32)
        self.depth: NDArray[np.uint16] = empty(capacity if tree else 0, np.uint16)
        self.parent: NDArray[np.int32] = empty(capacity if tree else 0, np.int32)
        self.count = 0

    NAMES = ("start", "end", "srcloc", "extra", "depth", "parent")

    @property
    def capacity(self) -> int:
        return len(self.start)

    def grow(self, minimum: int) -> None:
        new = max(minimum, self.capacity * 2)
        for name in self.NAMES:
            old: NDArray[Any] = getattr(self, name)
            if not len(old):
                continue
            arr = empty(new, old.dtype)
            arr[:self.count] = old[:self.count]
            setattr(self, name, arr)

    def trim(self) -> None:
        # Views, not copies: a copy would double the peak memory for a moment.
        for name in self.NAMES:
            arr: NDArray[Any] = getattr(self, name)
            if len(arr):
                setattr(self, name, arr[:self.count])
