"""Seeded random inputs made from a function's signature, saved as `.npy` files.

Integers are drawn from [0, 32): small enough to index any embedding table or
cache a model is likely to have, so token inputs stay in range. Floats are
normal with standard deviation 1. Dynamic dimensions become 1.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from irtools._io import atomic_output
from irtools.errors import UsageError
from irtools.run.signature import Arg

INT_HIGH = 32
# MLIR element type -> numpy type name (numpy is imported only when inputs are made).
DTYPES = {"f16": "float16", "f32": "float32", "f64": "float64",
          "i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64",
          "si8": "int8", "si16": "int16", "si32": "int32", "si64": "int64",
          "ui8": "uint8", "ui16": "uint16", "ui32": "uint32", "ui64": "uint64",
          "i1": "bool"}


def _rng(seed: int, function: str, index: int):
    import numpy as np

    return np.random.default_rng([seed, zlib.crc32(function.encode()), index])


def random_value(arg: Arg, rng):
    import numpy as np

    dtype = DTYPES.get(arg.element_type)
    if dtype is None:
        raise UsageError(f"cannot make a random input of type {arg.type}",
                         expected="tensors or scalars of f16/f32/f64, i1-i64",
                         fix="give this function its inputs with --input")
    shape = tuple(1 if d is None else d for d in arg.dims) if arg.is_tensor else ()
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, INT_HIGH, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def make_inputs(function: str, args: list[Arg], folder: Path, seed: int) -> list[str]:
    """Write one file per tensor argument; returns the `--input=` values, in order."""
    import numpy as np

    values = []
    folder.mkdir(parents=True, exist_ok=True)
    for i, arg in enumerate(args):
        value = random_value(arg, _rng(seed, function, i))
        if not arg.is_tensor:
            values.append(str(value.item() if value.dtype != np.bool_ else int(value)))
            continue
        path = folder / f"input{i}.npy"
        with atomic_output(path, durable=False) as f:
            np.save(f, value)
        values.append(f"@{path}")
    return values
