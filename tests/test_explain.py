"""Real runs explained: codegen dumps kept by `irtools run`, measured ceilings, % of ceiling.

The ceilings are measured once per test session (the full kernel set of
`irtools peak`, about a minute on a busy 2-core machine); the runs are real
`irtools run` captures of the fixtures and the example model.
"""

from __future__ import annotations

import json
import math

import pytest

from irtools.analysis import peak
from irtools.analysis.explain import explain
from irtools.analysis.roofline import check
from irtools.run.layout import RunDir
from irtools.run.targets import parse_target
from tests._roofline import profile_times
from tests.helpers import MODELS, REPO, run_cli

pytestmark = pytest.mark.iree


@pytest.fixture(scope="session")
def ceilings():
    """Ceilings of llvm-cpu on local-task and local-sync, measured as `irtools peak` does."""
    return {t: peak.measure(parse_target(t)) for t in ("llvm-cpu", "llvm-cpu@local-sync")}


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("explain")
    out = {}
    for model in (MODELS / "c_tfm_ext.mlir", MODELS / "a_mm_elem.mlir",
                  REPO / "tests" / "models" / "conv_bmm.mlir"):
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


def test_no_dispatch_exceeds_its_ceiling(runs, ceilings):
    """On real runs of the fixtures, achieved / attainable stays at or under 100%:
    above it, the work model or the ceilings would be wrong."""
    seen = 0
    for rundir in runs.values():
        for run in rundir.select(traced=True):
            c = ceilings["llvm-cpu" if run.device == "local-task" else "llvm-cpu@local-sync"]
            frame = explain(run, profile_times(run.profile), ceilings=c)
            assert check(frame) == [], run.name
            pct = [p for p in frame["pct_of_ceiling"] if p is not None and not math.isnan(p)]
            assert len(pct) == len(frame), frame[["name", "work_note"]]
            seen += len(pct)
    assert seen > 40


def test_explain_reads_the_cached_ceilings_of_the_run_device(runs, ceilings):
    run = runs["a_mm_elem"].run(device="local-sync", function="main")
    frame = explain(run, profile_times(run.profile))
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
