"""examples/make_llama.py: the generated model compiles and runs on llvm-cpu and vmvx."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.helpers import compile_mlir, make_llama, run_function


@pytest.mark.iree
def test_default_model_compiles_and_runs_on_llvm_cpu_and_vmvx(tmp_path):
    mlir = make_llama(tmp_path / "llama.mlir")
    header = mlir.open().readline()
    cfg = dict(re.findall(r"(\w+)=(\w+)", header))
    s, n, h, v = (int(cfg[k]) for k in ("seq", "layers", "hidden", "vocab"))
    assert 2_000_000 < mlir.stat().st_size < 8_000_000
    assert "util.global private @layers.0.attn.wq = dense<\"0x" in mlir.read_text()
    rng = np.random.default_rng(0)
    tokens = rng.integers(-10, 2 * v, size=s).astype(np.int32)  # out of range ids are clamped
    results = {}
    for backend, device in (("llvm-cpu", "local-task"), ("vmvx", "local-sync")):
        vmfb = compile_mlir(mlir, tmp_path / f"{backend}.vmfb", backend)
        logits, k, vc = run_function(vmfb, "prefill", [tokens], 3, tmp_path, device=device)
        assert logits.shape == (s, v) and k.shape == vc.shape == (n, s, h)
        dl, k2, v2 = run_function(vmfb, "decode", [tokens[:1], k, vc], 3, tmp_path, device=device)
        assert dl.shape == (1, v) and np.isfinite(dl).all()
        np.testing.assert_array_equal(k2[:, :-1], k[:, 1:])  # the cache slides by one row
        results[backend] = logits
    np.testing.assert_allclose(results["llvm-cpu"], results["vmvx"], rtol=1e-3, atol=1e-3)


def test_seed_and_size_choose_the_file(tmp_path):
    a = make_llama(tmp_path / "a.mlir", "--seed", 3, "--size", "1MB")
    b = make_llama(tmp_path / "b.mlir", "--seed", 3, "--size", "1MB")
    c = make_llama(tmp_path / "c.mlir", "--seed", 4, "--size", "1MB")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    big = make_llama(tmp_path / "big.mlir", "--size", "24MB", "--weights", "constants")
    assert 16e6 < big.stat().st_size < 36e6
    assert big.read_text().count("arith.constant dense<\"0x") > 10
