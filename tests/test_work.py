"""The work model: FLOPs and bytes of real dispatches equal the analytic formulas.

Each model is compiled with the real iree-compile; its executable sources are
read through the compiler's own MLIR bindings.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from irtools.analysis import work as W
from irtools.analysis.locations import origins
from irtools.analysis.peak import Ceilings
from irtools.analysis.roofline import add_roofline
from irtools.errors import MlirError
from irtools.render.roofline import explain_table
from tests.helpers import MODELS, REPO, tool

pytestmark = pytest.mark.iree

CPU = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
       "--iree-llvmcpu-target-cpu=host"]
CONV = REPO / "tests" / "models" / "conv_bmm.mlir"
CEILINGS = Ceilings("llvm-cpu", "llvm-cpu", "local-task", 2, 100e9, [(64 << 10, 50e9)])


def compile_sources(model, folder: Path, extra=()) -> Path:
    sources = folder / "sources"
    argv = [tool("iree-compile"), str(model), *CPU, *extra, "--mlir-print-debuginfo",
            f"--iree-hal-dump-executable-sources-to={sources}", "-o", str(folder / "m.vmfb")]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return sources


@pytest.fixture(scope="module")
def works(tmp_path_factory):
    out = {}
    for model in (MODELS / "a_mm_elem.mlir", MODELS / "c_tfm_ext.mlir",
                  MODELS / "c_tfm_manual.mlir", CONV):
        folder = tmp_path_factory.mktemp(model.stem)
        for name, w in W.analyze_sources(compile_sources(model, folder)).items():
            out[(model.stem, name)] = w
    return out


def find(works, model, fragment):
    hits = [w for (m, n), w in works.items() if m == model and fragment in n]
    assert len(hits) == 1, (fragment, [n for (m, n) in works if m == model])
    return hits[0]


def op_flops(work, op):
    return sum(o.flops for o in work.ops if o.op == op)


def test_matmul_flops_and_bytes(works):
    w = find(works, "a_mm_elem", "matmul_256x512x512")
    m, n, k = 256, 512, 512
    assert op_flops(w, "linalg.matmul") == 2 * m * n * k
    # bias + GELU (tanh form): add, 3 mul, add, mul, tanh, add, 2 mul per element
    assert w.flops == 2 * m * n * k + 10 * m * n
    assert w.bytes_read == 4 * (m * k + k * n + n) and w.bytes_written == 4 * m * n
    assert w.intensity == pytest.approx(w.flops / w.bytes)
    # the fixture's prefill matmuls: 64 tokens, hidden 256, FFN 768
    for shape, (mm, nn, kk) in (("64x256x256", (64, 256, 256)), ("64x256x768", (64, 256, 768))):
        hits = [x for (m_, n_), x in works.items() if m_ == "c_tfm_ext" and shape in n_]
        assert hits and all(op_flops(x, "linalg.matmul") == 2 * mm * nn * kk for x in hits)


def test_batch_matmul_and_convolutions(works):
    assert find(works, "conv_bmm", "bmm_dispatch").flops == 2 * 8 * 64 * 48 * 32
    conv = find(works, "conv_bmm", "conv_dispatch")
    # N=1, 32x32 output, 32 filters, 3x3 window, 16 channels; then bias + ReLU per output
    assert conv.flops == 2 * 32 * 32 * 32 * 3 * 3 * 16 + 2 * 32 * 32 * 32
    # stride 2: the output size sets the domain, not the input's
    assert find(works, "conv_bmm", "conv_s2_dispatch").flops == 2 * 16 * 16 * 16 * 8 * 3 * 3
    assert find(works, "conv_bmm", "depthwise_dispatch").flops == 2 * 32 * 32 * 32 * 3 * 3


def attention_flops(b, m, k1, k2, n, mask):
    return 2 * b * m * k2 * k1 + 2 * b * m * k2 * n + (W.SCORE_FLOPS + mask) * b * m * k2 + b * m * n


def test_attention(works):
    # 4 heads of 64; prefill: 64 queries over 64 keys with a causal mask; decode: 1 over 65
    prefill = find(works, "c_tfm_ext", "prefill_dispatch_4_attention")
    assert prefill.flops == attention_flops(4, 64, 64, 64, 64, 1)
    decode = find(works, "c_tfm_ext", "decode_dispatch_5_attention")
    assert decode.flops == attention_flops(4, 1, 64, 65, 64, 0)


def test_softmax_counts_five_per_element(works):
    w = find(works, "c_tfm_manual", "prefill_dispatch_5_softmax")
    assert w.flops == W.SOFTMAX_FLOPS * 4 * 64 * 64
    assert w.bytes_read == w.bytes_written == 4 * 4 * 64 * 64


def test_ops_keep_their_model_locations(works):
    w = find(works, "a_mm_elem", "matmul_256x512x512")
    matmul = next(o for o in w.ops if o.op == "linalg.matmul")
    assert [o.label for o in origins(matmul.loc)] == ["a_mm_elem.mlir:6"]


def test_dynamic_shapes_say_so(tmp_path):
    model = tmp_path / "dyn.mlir"
    model.write_text("""
func.func @f(%a: tensor<?x64xf32>, %b: tensor<64x32xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d = tensor.dim %a, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%d) : tensor<?x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x32xf32>) outs(%f : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}
""")
    [w] = W.analyze_sources(compile_sources(model, tmp_path)).values()
    assert w.flops is None and w.bytes is None and w.dynamic
    assert any("dynamic" in n for n in w.notes)
    # --explain says so in its Bound column, and gives no rate it cannot know
    frame = pd.DataFrame({"name": [w.name], "invocations": [3], "wall_ns": [3000]})
    frame = add_roofline(frame, {w.name: w}, CEILINGS)
    row = frame.iloc[0]
    assert row["gflops"] is None and row["pct_of_ceiling"] is None and row["bound"] is None
    console = Console(file=io.StringIO(), width=200)
    console.print(explain_table(frame))
    assert "dynamic" in console.file.getvalue().splitlines()[-1]


def test_a_damaged_source_is_one_error(tmp_path):
    bad = tmp_path / "module_x_dispatch_0.mlir"
    bad.write_text("hal.executable public @x {\n  this is not MLIR\n")
    with pytest.raises(MlirError) as err:
        W.analyze_source(bad)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(MlirError):
        W.analyze_sources(tmp_path / "missing")
