# Types of the C extension built from _groups.c.
import numpy as np
from numpy.typing import NDArray

def pack(out: NDArray[np.uint64], start: NDArray[np.int64], end: NDArray[np.int64],
         srcloc: NDArray[np.int16], extra: NDArray[np.uint32], slot_key: NDArray[np.int64],
         name_key: NDArray[np.int64], times: NDArray[np.int64], shift: int, max_time: int, /) -> int: ...
def sq_dev(values: NDArray[np.int64], counts: NDArray[np.int64], mean: NDArray[np.float64],
           out: NDArray[np.float64], /) -> None: ...
def self_times(start: NDArray[np.int64], end: NDArray[np.int64], parent: NDArray[np.int32],
               out: NDArray[np.int64], /) -> None: ...
