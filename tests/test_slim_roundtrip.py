"""irtools slim round trips with the real tools: the original and both slim forms compile
for llvm-cpu and iree-run-module gives bit-identical outputs."""

from __future__ import annotations

import re

import numpy as np
import pytest

import irtools
from tests.helpers import SHARED, compile_mlir, inline_weights, make_llama, random_inputs, run_function

FIXTURES = ["a_mm_elem", "b_mlp3", "c_tfm_ext", "c_tfm_manual"]


def _same_outputs(tmp_path, original, slims, calls):
    """Compile `original` and every (mlir, params) in `slims`; each call gives equal bits."""
    base = compile_mlir(original, tmp_path / "original.vmfb")
    for i, (mlir, params) in enumerate(slims):
        vmfb = compile_mlir(mlir, tmp_path / f"slim{i}.vmfb")
        for function, inputs, n in calls:
            want = run_function(base, function, inputs, n, tmp_path)
            got = run_function(vmfb, function, inputs, n, tmp_path,
                               parameters=f"model={params}" if params else None)
            for a, b in zip(want, got):
                assert a.dtype == b.dtype and a.shape == b.shape
                assert a.tobytes() == b.tobytes(), f"{mlir} {function} differs"


def _both_modes(tmp_path, src):
    res = irtools.slim_mlir(src, tmp_path / "res.mlir")
    par = irtools.slim_mlir(src, tmp_path / "par.mlir", params=tmp_path / "w.irpa")
    assert res.moved and len(par.moved) == len(res.moved)
    return res, par, [(tmp_path / "res.mlir", None), (tmp_path / "par.mlir", tmp_path / "w.irpa")]


@pytest.mark.iree
@pytest.mark.parametrize("weights", ["globals", "constants"])
def test_llama_round_trip(tmp_path, weights):
    src = make_llama(tmp_path / "llama.mlir", "--weights", weights, "--seed", 7)
    res, par, slims = _both_modes(tmp_path, src)
    assert (tmp_path / "par.mlir").stat().st_size < src.stat().st_size / 20
    if weights == "constants":  # prefill and decode hold the same weights: stored once
        assert res.stored_bytes * 2 == res.moved_bytes
        assert any(c.duplicate for c in par.moved)
    else:
        assert {c.key for c in res.moved} >= {"layers.0.attn.wq", "lm_head", "embed.weight"}
    header = dict(re.findall(r"(\w+)=(\w+)", src.open().readline()))
    s, n, h, v = (int(header[k]) for k in ("seq", "layers", "hidden", "vocab"))
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, v, size=s).astype(np.int32)
    cache = rng.standard_normal((n, s, h), dtype=np.float32)
    _same_outputs(tmp_path, src, slims,
                  [("prefill", [tokens], 3), ("decode", [tokens[:1], cache, cache], 3)])


@pytest.mark.iree
@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_with_inline_weights_round_trip(tmp_path, name):
    src = tmp_path / f"{name}.mlir"
    signature = inline_weights(SHARED / "fixtures" / "models" / f"{name}.mlir", src)
    _, _, slims = _both_modes(tmp_path, src)
    text = (tmp_path / "par.mlir").read_text()
    assert "flow.tensor.constant #flow.parameter.named<\"model\"::" in text
    calls = [(fn, random_inputs(args, seed=i), 3 if name.startswith("c_") else 1)
             for i, (fn, args) in enumerate(signature.items())]
    _same_outputs(tmp_path, src, slims, calls)


def _blobs_printed_by_mlir(path) -> dict[str, bytes]:
    """Parse with the MLIR bindings and print again: the blobs as MLIR holds them."""
    from iree.compiler import ir

    with ir.Context() as ctx:
        ctx.allow_unregistered_dialects = True
        module = ir.Module.parse(path.read_text())
        text = module.operation.get_asm()
    return {k: bytes.fromhex(h)[4:] for k, h in re.findall(r'([\w.]+): "0x([0-9A-Fa-f]+)"', text)}


def test_resources_hold_the_original_values(tmp_path):
    src = make_llama(tmp_path / "llama.mlir", "--weights", "constants")
    result = irtools.slim_mlir(src, tmp_path / "res.mlir")
    blobs = _blobs_printed_by_mlir(tmp_path / "res.mlir")
    original = src.read_text()
    for const in result.moved:
        line = original.splitlines()[const.line - 1]
        data = bytes.fromhex(re.search(r'dense<"0x([0-9A-F]+)">', line).group(1))
        assert blobs[const.key] == data, const.key


@pytest.mark.iree
def test_literal_lists_and_an_existing_resource_section(tmp_path):
    values = np.arange(-300, 300, dtype=np.float32).reshape(20, 30) / 7
    values[0, 0] = np.nan
    rows = ", ".join("[" + ", ".join("0x7FC00000" if np.isnan(x) else repr(float(x)) for x in row) + "]"
                     for row in values)
    ints = ", ".join(str(i * 1000003 - 5) for i in range(300))
    extra = np.linspace(0, 1, 600, dtype=np.float32).reshape(20, 30)
    src = tmp_path / "lists.mlir"
    src.write_text(
        "module {\n  func.func @main(%a: tensor<20x30xf32>) -> (tensor<20x30xf32>, tensor<300xi64>) {\n"
        f"    %w = arith.constant dense<[{rows}]> : tensor<20x30xf32>\n"
        f"    %i = arith.constant dense<[{ints}]> : tensor<300xi64>\n"
        "    %r = arith.constant dense_resource<old_blob> : tensor<20x30xf32>\n"
        "    %s = arith.addf %a, %w : tensor<20x30xf32>\n"
        "    %t = arith.addf %s, %r : tensor<20x30xf32>\n"
        "    return %t, %i : tensor<20x30xf32>, tensor<300xi64>\n  }\n}\n"
        "{-#\n  dialect_resources: {\n    builtin: {\n"
        f'      old_blob: "0x04000000{extra.tobytes().hex().upper()}"\n    }}\n  }}\n#-}}\n')
    res = irtools.slim_mlir(src, tmp_path / "res.mlir")
    assert [c.kind for c in res.moved] == ["list", "list"]
    assert set(_blobs_printed_by_mlir(tmp_path / "res.mlir")) == {"old_blob", "main.w", "main.i"}
    irtools.slim_mlir(src, tmp_path / "par.mlir", params=tmp_path / "w.irpa")
    a = np.random.default_rng(0).standard_normal((20, 30), dtype=np.float32)
    _same_outputs(tmp_path, src, [(tmp_path / "res.mlir", None), (tmp_path / "par.mlir", tmp_path / "w.irpa")],
                  [("main", [a], 2)])
