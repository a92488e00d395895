"""Symbols MLIR prints in quotes (`@"my model.main"`): every command takes them quoted or
not, and their history is that of the same model with plain names."""

from __future__ import annotations

import json

import pytest

from irtools.irdiff.dump import Dump
from tests.helpers import compile_to_dump, run_ir

pytestmark = pytest.mark.iree  # every test here compiles

MODEL = """module @"Model from PaddlePaddle." {
  func.func @"my model.main"(%x: tensor<64x128xf32>, %w: tensor<128x32xf32>) -> tensor<64x32xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x32xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
    %m = linalg.matmul ins(%x, %w : tensor<64x128xf32>, tensor<128x32xf32>)
        outs(%f : tensor<64x32xf32>) -> tensor<64x32xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%m : tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
    ^bb0(%a: f32, %b: f32):
      %t = math.tanh %a : f32
      linalg.yield %t : f32
    } -> tensor<64x32xf32>
    return %r : tensor<64x32xf32>
  }
}
"""
QUOTED = ('@"Model from PaddlePaddle."', '@"my model.main"')
PLAIN = ("@model_from_paddle", "@my_model_main")
MODES = {"a": ["--mlir-print-ir-after-all"],
         "am": ["--mlir-print-ir-after-all", "--mlir-print-ir-module-scope"]}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """The model with quoted names and the same with plain ones, compiled after-only,
    op-scope and module-scope."""
    folder = tmp_path_factory.mktemp("quoted")
    out = {}
    for kind, (module, func) in (("quoted", QUOTED), ("plain", PLAIN)):
        src = folder / f"{kind}.mlir"
        src.write_text(MODEL.replace(QUOTED[0], module).replace(QUOTED[1], func))
        for mode, flags in MODES.items():
            out[kind, mode] = compile_to_dump(src, folder / f"{kind}.{mode}.txt", *flags)
    return out


@pytest.mark.parametrize("mode", sorted(MODES))
def test_quoted_names_have_the_history_of_plain_ones(compiled, mode):
    quoted, plain = Dump.open(compiled["quoted", mode]), Dump.open(compiled["plain", mode])
    with quoted, plain:
        # The function: the same passes change it.
        fq, fp = quoted.history(QUOTED[1], cosmetic=True), plain.history(PLAIN[1], cosmetic=True)
        assert [(h["index"], h["pass"], h["class"]) for h in fq] == \
            [(h["index"], h["pass"], h["class"]) for h in fp] and len(fq) > 10
        # The module: IREE renames a module that needs quotes (@Model_from_PaddlePaddle_);
        # its history follows the rename, which is one more change.
        mq = {h["index"]: h["pass"] for h in quoted.history(QUOTED[0])}
        mp = {h["index"]: h["pass"] for h in plain.history(PLAIN[0])}
        assert set(mp) < set(mq) and len(mp) > 10
        assert [mq[n] for n in set(mq) - set(mp)] == ["SanitizeModuleNamesPass"]
        # Both spellings of a name, in the passes table too.
        for spelled in (QUOTED[1], QUOTED[1][1:], QUOTED[1][2:-1]):
            assert len(quoted.rows(symbol=spelled)) == len(plain.rows(symbol=PLAIN[1])) > 0
        assert len(quoted.rows(symbol=QUOTED[0])) == len(plain.rows(symbol=PLAIN[0])) > 0
        assert quoted.flags().count("changed") == plain.flags().count("changed") + 1


def test_commands_take_both_spellings(compiled):
    path = compiled["quoted", "a"]
    func = QUOTED[1]
    results = {}
    for spelled in (func, func[1:], func[2:-1]):
        code, out, err = run_ir("passes", path, "--symbol", spelled, "--format", "json")
        assert code == 0, err
        rows = json.loads(out)
        assert rows and {r["symbol"] for r in rows} == {"my model.main"}
        code, out, err = run_ir("history", path, spelled, "--format", "json")
        assert code == 0, err
        history = json.loads(out)
        n = history[-1]["index"]
        code, shown, err = run_ir("show", path, n, "--symbol", spelled)
        assert code == 0 and 'func private @"my model.main"(' in shown.splitlines()[0], err
        code, diff, err = run_ir("diff", path, n, "--symbol", spelled)
        assert code == 0 and diff.startswith(f"--- #{history[-1]['previous']} "), err
        results[spelled] = (out, shown, diff)
    assert len(set(results.values())) == 1
    code, out, _ = run_ir("history", path, func)
    assert code == 0 and '@"my model.main"' in out
