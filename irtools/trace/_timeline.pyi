# Types of the C extension built from _timeline.c.
import numpy as np
from numpy.typing import NDArray

def parse_cpu(buf: bytes, pos: int, state: NDArray[np.int64], start: NDArray[np.int64],
              end: NDArray[np.int64], srcloc: NDArray[np.int16], extra: NDArray[np.uint32],
              depth: NDArray[np.uint16], parent: NDArray[np.int32], /) -> int: ...
