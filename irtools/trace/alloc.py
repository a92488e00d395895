"""Large arrays in ordinary pages, not transparent huge pages.

numpy asks the kernel for huge pages on arrays of 4 MiB and more. Where the
kernel's THP defrag setting is `madvise` (its default), the first writes then
wait for memory compaction: 0.3-0.6 s to fill 220 MB on our 2-core VMs,
against 0.07-0.1 s with ordinary pages. Zone columns are written once and read
a few times, so huge pages buy them little; they come from an anonymous mmap.
"""

from __future__ import annotations

import mmap
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import DTypeLike, NDArray

SMALL = 1 << 22  # numpy's own threshold for asking for huge pages


def empty(n: int, dtype: DTypeLike) -> NDArray[Any]:
    """Like np.empty(n, dtype), in memory that is not backed by huge pages."""
    dtype = np.dtype(dtype)
    size = int(n) * dtype.itemsize
    if size < SMALL or not hasattr(mmap, "MAP_PRIVATE"):
        return np.empty(n, dtype)
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):  # even where THP is "always"
        m.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(m, dtype)
