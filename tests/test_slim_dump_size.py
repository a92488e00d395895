"""The pass-by-pass dump of a slim model is at least 100x smaller than the original's.

The original's full-pipeline dump of a model with 55 MB of weights runs to tens of GB, so
both dumps are counted, not stored, and cover the same pipeline up to `--compile-to=input`.
"""

from __future__ import annotations

import subprocess

import pytest

import irtools
from tests.helpers import BACKEND_FLAGS, make_llama, tool

pytestmark = pytest.mark.iree  # every test here needs IREE's tools


def _dump_bytes(mlir, *extra) -> int:
    argv = [tool("iree-compile"), str(mlir), *BACKEND_FLAGS["llvm-cpu"], "--compile-to=input",
            "--mlir-print-ir-after-all", *extra, "-o", "/dev/null"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    total = 0
    while data := proc.stderr.read(1 << 20):
        total += len(data)
    assert proc.wait() == 0, argv
    return total


def test_dump_of_slim_model_is_100x_smaller(tmp_path):
    src = make_llama(tmp_path / "llama.mlir", "--size", "112MB")
    result = irtools.slim_mlir(src, tmp_path / "par.mlir", params=tmp_path / "w.irpa")
    assert result.moved_bytes >= 50_000_000
    irtools.slim_mlir(src, tmp_path / "res.mlir")
    original = _dump_bytes(src)
    params = _dump_bytes(tmp_path / "par.mlir")
    # Resources are printed with every snapshot unless elided; the file keeps them.
    resources = _dump_bytes(tmp_path / "res.mlir", "--mlir-elide-resource-strings-if-larger=64")
    print(f"dump bytes: original {original}, params {params} ({original / params:.0f}x), "
          f"resources elided {resources} ({original / resources:.0f}x)")
    assert original >= 100 * params
    assert original >= 100 * resources
