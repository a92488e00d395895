"""Real runs explained: codegen dumps kept by `irtools run`, measured ceilings, % of ceiling,
`hotspots --explain` and `--by layer`.

The ceilings are measured once per test session (the full kernel set of
`irtools peak`, one to two minutes on a busy 2-core machine); the runs are real
`irtools run` captures of the fixtures and the example model.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from irtools.analysis import peak
from irtools.analysis.explain import explain
from irtools.analysis.roofline import check
from irtools.run.layout import RunDir
from irtools.run.report import run_hotspots
from irtools.run.targets import parse_target
from tests.helpers import MODELS, REPO, make_llama, run_cli

pytestmark = pytest.mark.iree


@pytest.fixture(scope="session")
def ceilings():
    """Ceilings of llvm-cpu on local-task and local-sync, measured as `irtools peak` does."""
    return {t: peak.measure(parse_target(t)) for t in ("llvm-cpu", "llvm-cpu@local-sync")}


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("explain")
    out = {}
    llama = make_llama(root / "llama.mlir")
    for model in (MODELS / "c_tfm_ext.mlir", MODELS / "a_mm_elem.mlir",
                  REPO / "tests" / "models" / "conv_bmm.mlir", llama):
        code, _, err = run_cli("run", model, "-o", root / model.stem, "--target", "llvm-cpu",
                               "--target", "llvm-cpu@local-sync", "--top", "0")
        assert code == 0, err
        out[model.stem] = RunDir.open(root / model.stem)
    return out


def test_run_keeps_what_explains_its_dispatches(runs):
    run = runs["c_tfm_ext"].run(device="local-task", function="prefill")
    assert run.configs and any(run.configs.glob("*.mlir"))
    assert run.listing and "hal.command_buffer.dispatch" in run.listing.read_text()
    names = {p.name for p in run.intermediates.iterdir()}
    assert any(n.endswith(".s") for n in names) and any(n.endswith(".codegen.ll") for n in names)
    assert not any(n.endswith((".bc", ".linked.ll", ".optimized.ll")) for n in names)
    assert "loc(" in next(run.sources.glob("*.mlir")).read_text()  # --mlir-print-debuginfo


def _better(a: peak.Ceilings, b: peak.Ceilings) -> peak.Ceilings:
    """The better of two measurements, ceiling by ceiling: load only ever lowers one."""
    rates = dict(a.bandwidth)
    for footprint, rate in b.bandwidth:
        rates[footprint] = max(rates.get(footprint, 0.0), rate)
    return dataclasses.replace(a, flops=max(a.flops, b.flops), bandwidth=sorted(rates.items()))


def _over_the_ceiling(runs, ceilings) -> tuple[list[str], int]:
    over, seen = [], 0
    for rundir in runs.values():
        for run in rundir.select(traced=True):
            c = ceilings["llvm-cpu" if run.device == "local-task" else "llvm-cpu@local-sync"]
            frame = explain(run, run_hotspots(run, by="dispatch"), ceilings=c)
            over += [f"{run.name}: {line}" for line in check(frame)]
            pct = [p for p in frame["pct_of_ceiling"] if p is not None and not math.isnan(p)]
            assert len(pct) == len(frame), frame[["name", "work_note"]]
            seen += len(pct)
    return over, seen


def test_no_dispatch_exceeds_its_ceiling(runs, ceilings):
    """On real runs of the fixtures, achieved / attainable stays at or under 100%:
    above it, the work model or the ceilings are wrong, and this test fails.

    Why load cannot make it fail falsely: other programs only slow a kernel down,
    so a measured ceiling (the fastest of hundreds to thousands of interleaved
    dispatches of a kernel)
    is at most the machine's real one, and a dispatch's time per invocation (the
    median of its invocations in the dispatch table) can only be slowed too. A
    false failure needs a ceiling measured under load against a dispatch timed
    without. The ceilings are measured in this session, after the runs, and on
    any dispatch above 100% measured again, up to twice, each ceiling keeping the
    best of all its measurements: to fail falsely, load must hold down every run
    of a kernel in three measurements (minutes apart) while it spared the
    median invocation of the model's dispatch. A real error of the work model
    (FLOPs counted twice, bytes of the wrong footprint) stays above 100% however
    often the ceilings are measured.
    """
    over, seen = _over_the_ceiling(runs, ceilings)
    for _ in range(2):
        if not over:
            break
        for t in ceilings:
            ceilings[t] = _better(ceilings[t], peak.measure(parse_target(t), force=True))
        over, seen = _over_the_ceiling(runs, ceilings)
    assert over == []
    assert seen > 80


def test_explain_reads_the_cached_ceilings_of_the_run_device(runs, ceilings):
    frame = runs["a_mm_elem"].explain(device="local-sync", function="main")
    c = frame.attrs["ceilings"]
    assert c is not None and c.device == "local-sync" and c.workers == 1
    top = frame.iloc[0]
    assert top["name"].startswith("main_dispatch_0_matmul") and top["bound"] == "compute"
    assert top["pipeline"] and top["vector_fma"] > 0 and top["vector_bits"] >= 128
    assert "linalg.matmul" in top["tile_sizes"]


def test_peak_cli_prints_the_cached_ceilings(ceilings):
    code, out, err = run_cli("peak", "--format", "json")
    assert code == 0, err
    [data] = json.loads(out)
    assert peak.Ceilings.from_json(data) == ceilings["llvm-cpu"]
    code, out, _ = run_cli("peak", "--target", "llvm-cpu@local-sync")
    assert code == 0 and "GFLOP/s" in out and "local-sync" in out


def test_hotspots_explain(runs, ceilings):
    root = runs["llama"].root
    code, out, err = run_cli("hotspots", root / "llvm-cpu/local-task/prefill", "--by", "dispatch",
                             "--explain", "--top", "4")
    assert code == 0, err
    assert "dispatches explained" in out and "%ceil" in out and "GFLOP/s" in out
    assert "from     model.layers." in out and "codegen  " in out and "tiles    linalg.matmul" in out
    code, out, err = run_cli("hotspots", root, "--by", "dispatch", "--explain", "--format", "csv")
    assert code == 0, err
    header = out.splitlines()[0].split(",")
    for col in ("run", "flops", "bytes", "intensity", "gflops", "gbps", "bound", "pct_of_ceiling",
                "pipeline", "vector_fma", "origins", "tile_sizes"):
        assert col in header, col


def test_hotspots_by_layer(runs):
    root = runs["llama"].root
    code, out, err = run_cli("hotspots", root / "llvm-cpu/local-task/prefill", "--by", "layer",
                             "--depth", "3", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    layers = {r["layer"]: r for r in rows}
    assert {"model.layers.0", "model.layers.1", "lm_head", "model.embed_tokens"} <= set(layers)
    table = run_hotspots(runs["llama"].run(device="local-task", function="prefill"), by="dispatch")
    assert sum(r["wall_ns"] for r in rows) == pytest.approx(table["wall_ns"].sum())
    code, out, _ = run_cli("hotspots", root, "--by", "layer", "--top", "3")
    assert code == 0 and out.count("\nLayer ") == 4  # prefill and decode on 2 devices


@pytest.mark.parametrize("args, message", [
    (["--by", "name", "--explain"], "--explain explains dispatches"),
    (["--by", "dispatch", "--depth", "2"], "--depth cuts layer names"),
    (["--by", "layer", "--self"], "--self does not apply"),
])
def test_layer_and_explain_options_that_cannot_work(runs, args, message):
    code, _, err = run_cli("hotspots", runs["a_mm_elem"].root, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_layers_need_a_run_directory():
    from tests.helpers import TRACY

    code, _, err = run_cli("hotspots", TRACY / "matmul_llvmcpu_task.tracy", "--by", "layer")
    assert code == 2 and "needs the executable sources a run directory keeps" in err
