"""Fingerprints, pairing and statistics of experiments, on small inputs (no IREE tools).

The fingerprint tests use executable sources in the form iree-compile dumps them
(--iree-hal-dump-executable-sources-to), cut down; test_experiment_iree.py checks
the same properties on sources the real compiler wrote.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from irtools.experiment.fingerprint import fingerprint_text
from irtools.experiment.pairing import coverage, pair
from irtools.experiment.stats import FASTER, SAME, SLOWER, UNKNOWN, _u_distribution, adjust, shift, verdict

SOURCES = Path(__file__).parent / "experiment_sources"

# One tensor load per line: the embedding table, the tokens, a normalised input.
LOAD_TABLE, LOAD_TOK, LOAD_IN = (ln + "\n" for ln in (SOURCES / "loads.mlir").read_text().splitlines())
MATMUL = (SOURCES / "matmul.mlir").read_text()

# A reduction then an elementwise op (RMSNorm), alone or fused after a gather.
NORM_OPS = (SOURCES / "norm_ops.mlir").read_text()
GATHER_OP = (SOURCES / "gather_op.mlir").read_text()


def _executable(name, body):
    return (f"hal.executable public @{name} {{\n  hal.executable.variant public @v target(<\"llvm-cpu\">) {{\n"
            f"    builtin.module {{\n      func.func @{name}() {{\n{body}        return\n      }}\n"
            f"    }}\n  }}\n}}\n")


def _norm(name, *, gather=False, order=("cst", "c511")):
    consts = {"cst": "        %cst_0 = arith.constant 1.280000e+02 : f32\n",
              "c511": "        %c511 = arith.constant 511 : index\n"}
    body = "".join(consts[c] for c in order)
    body += LOAD_TABLE + LOAD_TOK if gather else LOAD_IN
    body += "        %T = tensor.empty() : tensor<32x128xf32>\n        %F = tensor.empty() : tensor<32xf32>\n"
    if gather:
        body += GATHER_OP.replace("%G =", "%IN =")
    body += NORM_OPS
    return _executable(name, body)


def _gather(name):
    body = ("        %c511 = arith.constant 511 : index\n" + LOAD_TABLE + LOAD_TOK +
            "        %T = tensor.empty() : tensor<32x128xf32>\n" + GATHER_OP)
    return _executable(name, body)


def fp(text):
    (only,) = fingerprint_text(text.splitlines()).values()
    return only


def matmul(offset="16384", name="prefill_dispatch_2_matmul_32x128x128_f32", cpu="CPU"):
    return MATMUL.replace("OFFSET", offset).replace("prefill_dispatch_2_matmul_32x128x128_f32", name) \
        .replace("@prefill_dispatch_2 ", "@" + name.rsplit("_", 3)[0] + " ").replace('"CPU"', f'"{cpu}"')


def test_names_locations_and_target_do_not_count():
    base = fp(matmul())
    renamed = matmul(name="decode_dispatch_7_matmul_32x128x128_f32", cpu="generic")
    renamed = renamed.replace("%12", "%result").replace("%8", "%lhs").replace(
        "linalg.matmul ins(%lhs, %9", 'linalg.matmul ins(%lhs, %9').replace(
        "-> tensor<32x128xf32>\n        iree_tensor_ext.dispatch.tensor.store",
        'loc("model.py":3:1) -> tensor<32x128xf32>\n        iree_tensor_ext.dispatch.tensor.store')
    other = fp(renamed)
    assert other.name == "decode_dispatch_7_matmul_32x128x128_f32"
    assert (other.source, other.compute, other.ops) == (base.source, base.compute, base.ops)
    assert base.summary == ("linalg.matmul 32x128 128x128 -> 32x128",)


def test_offsets_change_the_source_not_the_computation():
    a, b = fp(matmul("16384")), fp(matmul("32768"))
    assert a.source != b.source
    assert (a.compute, a.ops) == (b.compute, b.ops)


def test_shapes_and_constants_count():
    base = fp(matmul())
    wider = fp(matmul().replace("32x128xf32", "64x128xf32"))
    assert base.compute != wider.compute and base.ops != wider.ops
    other_init = fp(matmul().replace("0.000000e+00 : f32", "1.000000e+00 : f32"))
    assert other_init.compute != base.compute
    # The fill is not a root op: its constant is not in `ops`.
    assert other_init.ops == base.ops


def test_constant_order_does_not_count():
    a = fp(_norm("x_dispatch_1_reduction_32x128_f32", gather=True, order=("cst", "c511")))
    b = fp(_norm("x_dispatch_1_reduction_32x128_f32", gather=True, order=("c511", "cst")))
    assert a.source != b.source
    assert a.compute == b.compute and a.ops == b.ops


def test_fused_dispatch_holds_the_ops_of_its_parts():
    gather, norm = fp(_gather("x_dispatch_0_elementwise_32x128")), fp(_norm("x_dispatch_1_reduction_32x128"))
    fused = fp(_norm("x_dispatch_0_reduction_32x128", gather=True))
    assert len(gather.ops) == 1 and len(norm.ops) == 2
    assert fused.op_set == gather.op_set | norm.op_set


def test_unparsable_text_gives_no_fingerprints():
    assert fingerprint_text(["not mlir at all", "}"]) == {}
    assert fingerprint_text([]) == {}


# -- pairing -------------------------------------------------------------------------

def _side(**texts):
    return {name: fp(text) for name, text in texts.items()}


def test_pairing_renumbered_dispatches_and_a_merge():
    a = {"p_dispatch_0_elementwise_32x128_f32": fp(_gather("p_dispatch_0_elementwise_32x128_f32")),
         "p_dispatch_1_reduction_32x128_f32": fp(_norm("p_dispatch_1_reduction_32x128_f32")),
         "p_dispatch_2_matmul_32x128x128_f32": fp(matmul("16384", "p_dispatch_2_matmul_32x128x128_f32"))}
    b = {"p_dispatch_0_reduction_32x128_f32": fp(_norm("p_dispatch_0_reduction_32x128_f32", gather=True)),
         "p_dispatch_1_matmul_32x128x128_f32": fp(matmul("0", "p_dispatch_1_matmul_32x128x128_f32")),
         "p_dispatch_9_softmax_8_f32": None}
    times_a = {"p_dispatch_0_elementwise_32x128_f32": 10, "p_dispatch_1_reduction_32x128_f32": 30,
               "p_dispatch_2_matmul_32x128x128_f32": 100}
    times_b = {"p_dispatch_0_reduction_32x128_f32": 35, "p_dispatch_1_matmul_32x128x128_f32": 90,
               "p_dispatch_9_softmax_8_f32": 5}
    groups = pair(a, b, times_a=times_a, times_b=times_b)
    by_kind = {g.kind: g for g in groups}
    assert set(by_kind) == {"same compute", "merge", "new"}
    assert by_kind["same compute"].a == ["p_dispatch_2_matmul_32x128x128_f32"]
    assert by_kind["same compute"].b == ["p_dispatch_1_matmul_32x128x128_f32"]
    merge = by_kind["merge"]
    assert sorted(merge.a) == ["p_dispatch_0_elementwise_32x128_f32", "p_dispatch_1_reduction_32x128_f32"]
    assert merge.b == ["p_dispatch_0_reduction_32x128_f32"] and merge.label == "merge 2→1"
    assert (merge.time_a, merge.time_b) == (40, 35)
    assert by_kind["new"].b == ["p_dispatch_9_softmax_8_f32"]
    assert groups[0].kind == "same compute"   # the most time first
    cov_a, cov_b = coverage(groups)
    assert cov_a == 1.0 and cov_b == pytest.approx(125 / 130)

    by_name = pair(a, b, by="name", times_a=times_a, times_b=times_b)
    assert all(not g.paired for g in by_name)
    assert coverage(by_name) == (0.0, 0.0)


def test_pairing_falls_back_to_kind_and_shape_without_sources():
    a = {"f_dispatch_3_matmul_32x384x128_f32": None, "f_dispatch_4_matmul_32x384x128_f32": None,
         "f_dispatch_5_reduction_32_f32": None}
    b = {"f_dispatch_2_horizontal_multi_contract_32x384x128_f32": None,
         "f_dispatch_7_reduction_32_f32": None, "f_dispatch_5_reduction_32_f32": None}
    groups = {g.label: g for g in pair(a, b)}
    assert set(groups) == {"merge 2→1 (by name)", "same name", "new"}
    assert groups["same name"].a == ["f_dispatch_5_reduction_32_f32"]
    assert groups["new"].b == ["f_dispatch_7_reduction_32_f32"]


def test_group_kept_apart_when_its_invocations_did_not_move():
    # A's wo matmul (+ add) is the same source in B; A's QKV matmul became a horizontal
    # contraction that shares no op with it: it must not join the wo group.
    wo = fp(matmul("0", "p_dispatch_8_matmul_32x128x128_f32"))
    qkv_b = fp(_norm("p_dispatch_2_horizontal_multi_contract_32x128x128_f32"))
    a = {"p_dispatch_8_matmul_32x128x128_f32": wo,
         "p_dispatch_2_matmul_32x128x128_f32": fp(matmul("64", "p_dispatch_2_matmul_32x128x128_f32"))}
    b = {"p_dispatch_6_matmul_32x128x128_f32": wo,
         "p_dispatch_2_horizontal_multi_contract_32x128x128_f32": qkv_b}
    counts_a = {"p_dispatch_8_matmul_32x128x128_f32": 2, "p_dispatch_2_matmul_32x128x128_f32": 6}
    counts_b = {"p_dispatch_6_matmul_32x128x128_f32": 2,
                "p_dispatch_2_horizontal_multi_contract_32x128x128_f32": 2}
    groups = pair(a, b, counts_a=counts_a, counts_b=counts_b)
    assert sorted((g.label, tuple(g.a)) for g in groups) == [
        ("changed (by name)", ("p_dispatch_2_matmul_32x128x128_f32",)),
        ("same", ("p_dispatch_8_matmul_32x128x128_f32",))]
    # With invocations moved (the wo matmul now runs 8 times in B), they join.
    counts_b["p_dispatch_6_matmul_32x128x128_f32"] = 8
    (group,) = [g for g in pair(a, b, counts_a=counts_a, counts_b=counts_b)
                if "p_dispatch_2_matmul_32x128x128_f32" in g.a]
    assert group.kind == "merge" and sorted(group.a) == sorted(a)


# -- statistics ----------------------------------------------------------------------

@pytest.mark.parametrize("n,m", [(1, 1), (2, 3), (3, 3), (4, 2), (5, 5)])
def test_u_distribution_matches_enumeration(n, m):
    counts = np.zeros(n * m + 1)
    for picked in itertools.combinations(range(n + m), n):
        rest = [v for v in range(n + m) if v not in picked]
        counts[sum(b > a for a in picked for b in rest)] += 1
    assert np.allclose(_u_distribution(n, m), counts / counts.sum())


def test_shift_finds_a_known_ratio_and_its_interval_covers_it():
    rng = np.random.default_rng(7)
    misses, rejections = 0, 0
    trials = 400
    for _ in range(trials):
        a = rng.lognormal(0.0, 0.4, 12)
        b = rng.lognormal(math.log(1.6), 0.4, 12)
        s = shift(a, b)
        misses += not (s.low <= 1.6 <= s.high)
        rejections += s.p < 0.05
    assert misses / trials < 0.08          # a 95% interval (exact, so about 5% misses)
    assert rejections / trials > 0.6       # a 60% slowdown at this noise is usually seen


def test_shift_keeps_its_level_under_heavy_tails():
    rng = np.random.default_rng(3)
    trials = 600
    false = sum(shift(1 + rng.standard_cauchy(10) ** 2, 1 + rng.standard_cauchy(10) ** 2).p < 0.05
                for _ in range(trials))
    assert false / trials < 0.08


def test_shift_with_too_few_units_or_ties():
    s = shift([1.0, 2.0, 3.0], [4.0])
    assert math.isnan(s.ratio) and (s.n_a, s.n_b) == (3, 1)
    assert math.isnan(shift([0, -1, 5], [1, 2, 3]).ratio)     # non-positive values dropped
    tied = shift([10, 10, 10, 10, 20, 20], [20, 20, 20, 20, 30, 30])
    assert tied.ratio > 1 and 0 < tied.p < 0.05
    few = shift([1.0, 1.1], [1.2, 1.3])
    assert few.low == 0.0 and few.high == math.inf            # 2 + 2 units cannot reach 95%


def test_adjust_is_benjamini_hochberg():
    q = adjust([0.01, 0.04, 0.03, np.nan, 0.5])
    assert np.allclose(q[[0, 1, 2, 4]], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert math.isnan(q[3])
    assert len(adjust([])) == 0


def test_verdicts():
    slower = shift([100, 101, 102, 99, 98, 100, 103, 97], [130, 131, 129, 128, 132, 130, 127, 133])
    assert verdict(slower, slower.p, threshold=0.05) == SLOWER
    assert verdict(slower, slower.p, threshold=0.50) == SAME       # significant, but smaller
    assert verdict(slower, 0.2, threshold=0.05) == SAME            # not significant
    faster = shift([130, 131, 129, 128, 132, 130, 127, 133], [100, 101, 102, 99, 98, 100, 103, 97])
    assert verdict(faster, faster.p, threshold=0.05) == FASTER
    assert verdict(shift([1], [2]), float("nan"), threshold=0.05) == UNKNOWN


def test_one_run_a_side_gives_the_total_the_ratio_of_sums_and_no_verdict():
    """Pooled invocations of different dispatches are no sample of their sum: with one run a
    side the total's B/A is the ratio of the summed walls, unjudged; each dispatch alone keeps
    its interval from its own invocations."""
    from irtools.experiment.compare import Comparison, Side, _compare_run, _Prepared, decide
    from irtools.experiment.samples import RunWalls

    rng = np.random.default_rng(3)
    many_fast = rng.uniform(0.9, 1.1, 200) * 1_000      # 200 invocations of about 1 µs
    few_slow = np.array([100_000.0, 101_000.0])           # 2 invocations of about 100 µs
    a = RunWalls(walls={"d_0": many_fast, "d_1": few_slow},
                 cpu={"d_0": many_fast, "d_1": few_slow})
    b = RunWalls(walls={"d_0": many_fast * 0.98, "d_1": few_slow * 3},
                 cpu={"d_0": many_fast * 0.98, "d_1": few_slow * 3})
    out = Comparison()
    _compare_run(out, Side("A", []), Side("B", []), "llvm-cpu/local-task/f",
                 _Prepared({"d_0": None, "d_1": None}, [a]),
                 _Prepared({"d_0": None, "d_1": None}, [b]), "name", 0.95)
    rows = decide(out.rows, threshold=0.05)
    total = next(r for r in rows if r["how"] == "total")
    expected = (many_fast.sum() * 0.98 + few_slow.sum() * 3) / (many_fast.sum() + few_slow.sum())
    assert total["ratio"] == pytest.approx(expected)      # 2.94, where pooled ranks say 0.98
    assert total["verdict"] == "n/a" and np.isnan(total["low"])
    d_0 = next(r for r in rows if r["a_dispatches"] == "d_0")
    assert d_0["ratio"] == pytest.approx(0.98, rel=1e-6) and d_0["low"] < 0.98 < d_0["high"]
    assert any("get none" in n for n in out.notes)


def test_unpack_refuses_members_that_leave_the_folder(tmp_path):
    """What a Ray worker sends back is unpacked only inside the run folder (on every
    Python 3.11, with or without tarfile's data filter)."""
    import io
    import tarfile

    from irtools.run.compiles import pack, unpack

    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "module.vmfb").write_bytes(b"vmfb")
    unpack(pack(src), tmp_path / "out")
    assert (tmp_path / "out" / "sub" / "module.vmfb").read_bytes() == b"vmfb"

    for name, kind in (("../escaped", tarfile.REGTYPE), ("/abs", tarfile.REGTYPE),
                       ("link", tarfile.SYMTYPE)):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            tar.addfile(info, io.BytesIO(b""))
        with pytest.raises(ValueError):
            unpack(buf.getvalue(), tmp_path / "bad")
        assert not (tmp_path / "escaped").exists() and not (tmp_path / "bad" / "link").exists()


def test_the_users_debuginfo_choice_is_kept(tmp_path):
    """The run adds --mlir-print-debuginfo (locations for --by layer) unless the user's
    flags say either way; `=false` keeps the per-pass IR small."""
    from irtools.run.compiles import compile_argv

    def debuginfo(flags):
        argv = compile_argv("iree-compile", tmp_path / "m.mlir", tmp_path / "llvm-cpu", flags, True)
        return [a for a in argv if a.startswith("--mlir-print-debuginfo")]

    assert debuginfo([]) == ["--mlir-print-debuginfo"]
    assert debuginfo(["--mlir-print-debuginfo=false"]) == ["--mlir-print-debuginfo=false"]
    assert debuginfo(["--mlir-print-debuginfo"]) == ["--mlir-print-debuginfo"]
