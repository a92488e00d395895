"""Dispatch sites, layer roll-up and codegen facts of the example model, compiled for real.

The model comes from examples/make_llama.py, whose ops carry PyTorch-style name
locations; it is compiled with the dumps `irtools run` asks for and its prefill
is run once with a HAL profile for real per-dispatch times.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from irtools.analysis.codegen import codegen_facts, read_assembly
from irtools.analysis.layers import NO_SOURCE, dispatch_shares, layer_table, site_times, site_weights
from irtools.analysis.sites import read_sites, sites_by_dispatch
from irtools.analysis.work import analyze_sources
from tests._roofline import profile_events, profile_times
from tests.helpers import REPO, tool

pytestmark = pytest.mark.iree

CPU = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
       "--iree-llvmcpu-target-cpu=host"]


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    d = tmp_path_factory.mktemp("llama")
    model = d / "llama.mlir"
    subprocess.run([sys.executable, str(REPO / "examples" / "make_llama.py"), str(model)],
                   check=True, capture_output=True)
    argv = [tool("iree-compile"), str(model), *CPU, "--mlir-print-debuginfo",
            f"--iree-hal-dump-executable-sources-to={d / 'sources'}",
            f"--iree-hal-dump-executable-configurations-to={d / 'configs'}",
            f"--iree-hal-dump-executable-intermediates-to={d / 'intermediates'}",
            f"--iree-vm-bytecode-source-listing={d / 'vm.mlir'}", "-o", str(d / "m.vmfb")]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return d


def prefill_profile(llama):
    """Prefill three times (the plain runtime) with a HAL profile."""
    prof = llama / "prefill.ireeprof"
    if not prof.exists():
        subprocess.run([tool("iree-benchmark-module"), f"--module={llama / 'm.vmfb'}",
                        "--device=local-task", "--function=prefill", "--input=32xi32=7",
                        "--benchmark_min_time=3x",
                        "--device_profiling_mode=queue-events,host-execution,executable-metadata",
                        f"--device_profiling_output={prof}"], check=True, capture_output=True)
    return prof


def prefill_times(llama):
    """Invocations and wall time per dispatch of the prefill runs."""
    return profile_times(prefill_profile(llama))


def test_sites_name_every_call_of_a_deduplicated_executable(llama):
    sites = sites_by_dispatch(llama / "vm.mlir", "prefill")
    qkv = [k for k in sites if "matmul_32x128x128" in k and len(sites[k]) == 6]
    assert len(qkv) == 1, {k: len(v) for k, v in sites.items()}
    shares = dispatch_shares(None, None, sites[qkv[0]])
    assert set(shares) == {f"model.layers.{i}.self_attn.{c}_proj" for i in (0, 1) for c in "qkv"}
    assert sum(shares.values()) == pytest.approx(1)
    # the memoized command buffer's dispatches belong to the function that replays it
    assert {s.function for s in read_sites(llama / "vm.mlir")} >= {"prefill", "decode"}


def test_layer_rollup_sums_to_the_dispatch_total(llama):
    works = analyze_sources(llama / "sources")
    sites = sites_by_dispatch(llama / "vm.mlir", "prefill")
    times = prefill_times(llama)
    assert set(times["name"]) <= set(works) and len(times) > 5
    # the profile's invocations are the sites run: each site runs once per call
    for name, count in zip(times["name"], times["invocations"]):
        assert count == 3 * len(sites[name]), name
    for depth in (None, 3, 1):
        table = layer_table(times, works, sites=sites, depth=depth)
        assert table["wall_ns"].sum() == pytest.approx(times["wall_ns"].sum())
        assert table["share"].sum() == pytest.approx(100)
    by3 = layer_table(times, works, sites=sites, depth=3)
    assert {"model.layers.0", "model.layers.1", "model.embed_tokens", "lm_head"} <= set(by3["layer"])
    top = layer_table(times, works, sites=sites, depth=1)
    assert set(top["layer"]) == {"model", "lm_head"}


FUSED = """
func.func @f(%x: tensor<64x256xf32>, %y: tensor<64x256xf32>) -> tensor<64xf32> {
  %e = tensor.empty() : tensor<64x256xf32> loc("model.layers.0")
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
       ins(%x, %y : tensor<64x256xf32>, tensor<64x256xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.addf %a, %b : f32 loc("model.layers.0")
    linalg.yield %t : f32 loc("model.layers.0")
  } -> tensor<64x256xf32> loc("model.layers.0")
  %zero = arith.constant 0.0 : f32 loc("model.layers.1.input_layernorm")
  %r0 = tensor.empty() : tensor<64xf32> loc("model.layers.1.input_layernorm")
  %f = linalg.fill ins(%zero : f32) outs(%r0 : tensor<64xf32>) -> tensor<64xf32> loc("model.layers.1.input_layernorm")
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
       ins(%s : tensor<64x256xf32>) outs(%f : tensor<64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32 loc("model.layers.1.input_layernorm")
    %t = arith.addf %sq, %acc : f32 loc("model.layers.1.input_layernorm")
    linalg.yield %t : f32 loc("model.layers.1.input_layernorm")
  } -> tensor<64xf32> loc("model.layers.1.input_layernorm")
  return %r : tensor<64xf32>
}
"""


def test_each_site_gets_the_time_of_its_own_executions(llama):
    sites = sites_by_dispatch(llama / "vm.mlir", "prefill")
    events = profile_events(prefill_profile(llama))
    weights = site_weights(events, sites)
    times = prefill_times(llama)
    assert set(weights) == set(times["name"])
    for name, wall in zip(times["name"], times["wall_ns"]):
        assert len(weights[name]) == len(sites[name]) and sum(weights[name]) == wall
    # executions are matched to sites by their order in the command buffer
    ordered = sorted((s for group in sites.values() for s in group), key=lambda s: s.index)
    assert site_times(events, ordered[::-1]) is None
    table = layer_table(times, analyze_sources(llama / "sources"), sites=sites, weights=weights)
    assert table["wall_ns"].sum() == pytest.approx(times["wall_ns"].sum())


def test_a_dispatch_fused_across_layers_splits_by_flops(tmp_path):
    (tmp_path / "fused.mlir").write_text(FUSED)
    argv = [tool("iree-compile"), str(tmp_path / "fused.mlir"), *CPU, "--mlir-print-debuginfo",
            f"--iree-hal-dump-executable-sources-to={tmp_path / 'sources'}",
            f"--iree-vm-bytecode-source-listing={tmp_path / 'vm.mlir'}", "-o", str(tmp_path / "m.vmfb")]
    subprocess.run(argv, check=True, capture_output=True)
    works = analyze_sources(tmp_path / "sources")
    sites = sites_by_dispatch(tmp_path / "vm.mlir", "f")
    # IREE fuses the add into the reduction's body: one dispatch, one site, and the
    # body's ops keep their own locations
    [name] = works
    assert len(sites[name]) == 1
    # the add: 1 FLOP per element; the sum of squares: 2 per element
    assert dispatch_shares(works[name], None, sites[name]) == pytest.approx(
        {"model.layers.0": 1 / 3, "model.layers.1.input_layernorm": 2 / 3})
    assert dispatch_shares(works[name], 2, sites[name]) == pytest.approx({"model.layers": 1.0})
    assert dispatch_shares(None) == {NO_SOURCE: 1.0}


def test_codegen_facts(llama):
    facts = codegen_facts(llama / "configs", llama / "intermediates")
    matmuls = [f for n, f in facts.items() if "_matmul_" in n and n.startswith("prefill")]
    assert matmuls
    for f in matmuls:
        assert f.pipeline, f.name
        assert any(op == "linalg.matmul" and "lowering_config" in cfg or "<" in cfg
                   for op, cfg in f.lowering)
        # the host has at least SSE: a matmul's inner loop is vector FMAs or mul+add
        assert f.asm is not None and f.asm.instructions > 0
        assert f.asm.vector_fma + f.asm.vector_arith > 0 and f.asm.vector_bits >= 128
    only = read_assembly(llama / "intermediates", names=[matmuls[0].name])
    assert list(only) == [matmuls[0].name]


def test_ukernels_are_seen(tmp_path):
    model = tmp_path / "mm.mlir"
    model.write_text("""
func.func @mm(%a: tensor<128x64xf32>, %b: tensor<64x96xf32>) -> tensor<128x96xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x96xf32>) -> tensor<128x96xf32>
  %r = linalg.matmul ins(%a, %b : tensor<128x64xf32>, tensor<64x96xf32>)
         outs(%f : tensor<128x96xf32>) -> tensor<128x96xf32>
  return %r : tensor<128x96xf32>
}
""")
    argv = [tool("iree-compile"), str(model), *CPU, "--iree-opt-data-tiling",
            "--iree-llvmcpu-enable-ukernels=all",
            f"--iree-hal-dump-executable-configurations-to={tmp_path / 'configs'}",
            f"--iree-hal-dump-executable-intermediates-to={tmp_path / 'intermediates'}",
            "-o", str(tmp_path / "m.vmfb")]
    subprocess.run(argv, check=True, capture_output=True)
    facts = codegen_facts(tmp_path / "configs", tmp_path / "intermediates")
    mm = next(f for n, f in facts.items() if n.startswith("mm_dispatch"))
    assert "iree_uk_mmt4d" in mm.ukernels and mm.pipeline == "Mmt4dTilingExpert"
    assert any(op == "linalg.mmt4d" for op, _ in mm.lowering)


def test_missing_dumps_give_no_facts(tmp_path):
    assert codegen_facts(tmp_path / "none", Path(tmp_path / "none")) == {}
