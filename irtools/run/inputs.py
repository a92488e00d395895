"""Seeded random inputs made from a function's signature, saved as `.npy` files.

Integers are drawn from [0, 32): small enough to index any embedding table or
cache a model is likely to have, so token inputs stay in range. Floats are
normal with standard deviation 1. Dynamic dimensions become 1.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from irtools._io import atomic_output
from irtools.errors import UsageError
from irtools.run.signature import Arg

INT_HIGH = 32
DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64,
          "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
          "si8": np.int8, "si16": np.int16, "si32": np.int32, "si64": np.int64,
          "ui8": np.uint8, "ui16": np.uint16, "ui32": np.uint32, "ui64": np.uint64,
          "i1": np.bool_}


def _rng(seed: int, function: str, index: int):
    return np.random.default_rng([seed, zlib.crc32(function.encode()), index])


def random_value(arg: Arg, rng) -> np.ndarray:
    dtype = DTYPES.get(arg.element_type)
    if dtype is None:
        raise UsageError(f"cannot make a random input of type {arg.type}",
                         expected="tensors or scalars of f16/f32/f64, i1-i64",
                         fix="give this function its inputs with --input")
    shape = tuple(1 if d is None else d for d in arg.dims) if arg.is_tensor else ()
    if dtype is np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, INT_HIGH, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def make_inputs(function: str, args: list[Arg], folder: Path, seed: int) -> list[str]:
    """Write one file per tensor argument; returns the `--input=` values, in order."""
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
