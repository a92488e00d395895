"""Hotspot ranking, dispatch views, comparison and the HAL-profile cross-check."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

import irtools
from irtools.trace.dispatch import executable_of, parse_dispatch
from tests.helpers import TRACY, run_cli

PREFILL = TRACY / "tfm_prefill_llvmcpu_task.tracy"
MLP_SYNC = TRACY / "mlp3_llvmcpu_sync.tracy"


@pytest.mark.parametrize("name, expected", [
    ("forward$async_dispatch_20_batch_matmul_1x64x2048x5632_f16",
     ("forward", 20, "batch_matmul", "matmul", "1x64x2048x5632", "f16")),
    ("main_dispatch_0_matmul_256x256x512_f32", ("main", 0, "matmul", "matmul", "256x256x512", "f32")),
    ("main_dispatch_3_softmax_64x256xf32_dispatch_tensor_store",
     ("main", 3, "softmax", "softmax", "64x256", "f32")),
    ("prefill_dispatch_4_attention_4x64x64x64x64",
     ("prefill", 4, "attention", "attention", "4x64x64x64x64", "")),
    ("_initializer_0_dispatch_0_elementwise_broadcast_4096_f32",
     ("_initializer_0", 0, "elementwise_broadcast", "elementwise", "4096", "f32")),
    ("decode_dispatch_2_matmul_transpose_b_1x64x256_f32xf16xf32",
     ("decode", 2, "matmul_transpose_b", "matmul", "1x64x256", "f32xf16xf32")),
])
def test_parse_dispatch(name, expected):
    p = parse_dispatch(name)
    assert (p["function"], p["ordinal"], p["op_kind"], p["op"], p["shape"],
            p["element_type"]) == expected


def test_not_a_dispatch():
    assert parse_dispatch("iree_hal_cmd_execute_dispatch_tiles") is None


@pytest.mark.parametrize("name, executable", [
    ("prefill_dispatch_3_matmul_32x384x128_f32", "prefill_dispatch_3"),
    ("prefill_dispatch_6_softmax_2x32x32xf32_dispatch_tensor_store", "prefill_dispatch_6"),
    ("main$async_dispatch_12", "main$async_dispatch_12"),
    ("iree_hal_cmd_execute_dispatch_tiles", None),
])
def test_executable_of(name, executable):
    assert executable_of(name) == executable


def test_by_name_statistics_are_right(prefill):
    z = prefill.zones()
    z = z[z["duration_ns"].fillna(0) > 0]
    h = irtools.hotspots(prefill)
    for name in ("iree_hal_local_task_compute_drain", "prefill_dispatch_4_attention_4x64x64x64x64"):
        d = z[z["name"].astype(str) == name]["duration_ns"].astype(np.int64).to_numpy()
        row = h[h["name"] == name].iloc[0]
        assert row["count"] == len(d) and row["total_ns"] == d.sum()
        assert row["min_ns"] == d.min() and row["max_ns"] == d.max()
        assert row["median_ns"] == round(np.median(d))
        assert row["p90_ns"] == round(np.percentile(d, 90))
        assert row["p99_ns"] == round(np.percentile(d, 99))
        assert row["std_ns"] == round(np.std(d, ddof=1))
    assert h["total_ns"].is_monotonic_decreasing


def test_std_does_not_cancel():
    # Long, nearly equal durations: the sum-of-squares formula breaks here.
    from irtools.trace.hotspots import sorted_stats

    values = np.array([10**12 + i for i in range(5)], np.int64)
    stats = sorted_stats(values, np.array([5]), 10**13)
    assert stats["std_ns"][0] == round(np.std(values, ddof=1))


def test_by_dispatch_keeps_only_dispatches(prefill):
    h = irtools.hotspots(prefill, by="dispatch")
    assert len(h) == 8
    assert h.iloc[0]["name"] == "prefill_dispatch_4_attention_4x64x64x64x64"
    assert set(h["op"]) == {"attention", "matmul", "reduction", "elementwise"}
    assert {"function", "ordinal", "op_kind", "shape", "element_type"} <= set(h.columns)


def test_by_op_sums_dispatch_tile_time(prefill):
    d = irtools.hotspots(prefill, by="dispatch")
    o = irtools.hotspots(prefill, by="op")
    assert o["total_ns"].sum() == d["cpu_ns"].sum()
    assert o["count"].sum() == d["zones"].sum()
    assert o.iloc[0]["op"] == "attention"


def test_sort_top_filter_thread(prefill):
    h = irtools.hotspots(prefill, sort="count", top=3)
    assert len(h) == 3 and h["count"].is_monotonic_decreasing
    f = irtools.hotspots(prefill, filter="^iree_vm_")
    assert len(f) and f["name"].str.startswith("iree_vm_").all()
    main_tid = int(prefill.threads().iloc[0]["thread"])
    t = irtools.hotspots(prefill, thread=main_tid)
    assert 0 < t["count"].sum() < irtools.hotspots(prefill)["count"].sum()
    with pytest.raises(irtools.IrtoolsError, match="no thread"):
        irtools.hotspots(prefill, thread="no-such-thread")


def test_compare(prefill):
    c = irtools.compare(PREFILL, TRACY / "tfm_decode_vmvx_task.tracy", by="op")
    assert {"count_a", "count_b", "total_ns_a", "total_ns_b", "delta_ns", "ratio"} <= set(c.columns)
    assert c["delta_ns"].abs().is_monotonic_decreasing
    same = irtools.compare(PREFILL, PREFILL)
    assert (same["delta_ns"] == 0).all() and np.allclose(same["ratio"], 1.0)


def test_cli_csv_is_quoted_and_has_ns_columns():
    code, out, err = run_cli("hotspots", PREFILL, "--by", "srcloc", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"name", "src_file", "src_line", "count", "total_ns", "mean_ns", "min_ns",
            "max_ns", "median_ns", "p90_ns", "p99_ns", "std_ns"} <= set(rows[0])
    assert all(r["total_ns"].isdigit() for r in rows)
    # A name with a comma survives the round trip.
    frame = pd.DataFrame({"name": ["a, b \"c\""], "count": [1]})
    buf = io.StringIO()
    from irtools.render.tables import to_csv
    to_csv(frame, buf)
    assert next(csv.DictReader(io.StringIO(buf.getvalue())))["name"] == "a, b \"c\""


def test_cli_json():
    code, out, _ = run_cli("hotspots", MLP_SYNC, "--by", "dispatch", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 4 and isinstance(rows[0]["wall_ns"], int)
    assert rows[0]["name"] == "main_dispatch_1_matmul_64x1024x1024_f32"
    assert {r["invocations"] for r in rows} == {1} and {r["timing"] for r in rows} == {"tracy"}


def test_cli_table_reads_like_tracy(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run_cli("hotspots", PREFILL, "--top", "5")
    assert code == 0
    assert "iree_tooling_run_module_with_data" in out and "50.02 ms" in out
    assert "P99" in out and "Share" in out
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli("hotspots", PREFILL, "--top", "5")
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    assert "hidden to fit the terminal" in out


def test_cli_compare():
    code, out, _ = run_cli("compare", PREFILL, TRACY / "tfm_decode_vmvx_task.tracy", "--by", "op",
                           "--format", "csv")
    assert code == 0 and out.startswith("op,count_a")


def test_long_zone_path_gives_the_same_table(prefill, monkeypatch):
    from irtools.trace import hotspots as mod

    fast = irtools.hotspots(prefill, by="name")
    monkeypatch.setattr(mod, "TIME_MASK", 0)  # as if a zone outlasted the packed field
    pd.testing.assert_frame_equal(fast, irtools.hotspots(prefill, by="name"))


@pytest.mark.parametrize("path", [PREFILL, TRACY / "tfm_decode_vmvx_task.tracy"])
def test_c_grouping_equals_numpy(path):
    """The C fast path (_groups.pack, sq_dev) and the numpy path give the same statistics,
    for every grouping, with and without self time, for one thread and for all."""
    from irtools.trace import hotspots as mod

    assert mod._groups is not None, "the C extension must be built for this test to mean anything"
    trace = irtools.open_trace(path)
    busiest = max(trace.data.zone_threads, key=lambda t: t[2])[0]
    for by in ("name", "srcloc", "dispatch", "op"):
        for self_time in (False, True):
            for thread in (None, busiest):
                fast = mod.group_stats(trace, by=by, self_time=self_time, thread=thread)
                slow = mod.group_stats(trace, by=by, self_time=self_time, thread=thread,
                                       fast=False)
                assert fast[0].tolist() == slow[0].tolist(), (by, self_time, thread)
                for col, values in fast[2].items():
                    a, b = np.asarray(values), np.asarray(slow[2][col])
                    if col == "std_ns":  # summed in another order: at most 1 ns apart
                        assert np.abs(a - b).max(initial=0) <= 1, (by, col)
                    else:
                        np.testing.assert_array_equal(a, b, err_msg=f"{by} {col}")


@pytest.mark.parametrize("by", ["name", "op"])
def test_consuming_rank_packs_in_place_and_gives_the_same_table(by, monkeypatch):
    from irtools.trace import hotspots as mod

    kept = mod.rank(irtools.open_trace(PREFILL), by=by).to_pandas()
    trace = irtools.open_trace(PREFILL)
    consumed = mod.rank(trace, by=by, consume=True).to_pandas()
    pd.testing.assert_frame_equal(kept, consumed)
    assert trace.data.zones.start is None  # overwritten, and said so
    # A zone too long for the packed field, found half way: the start times are read again.
    monkeypatch.setattr(mod, "TIME_MASK", 1000)
    trace = irtools.open_trace(PREFILL)
    pd.testing.assert_frame_equal(kept, mod.rank(trace, by=by, consume=True).to_pandas())
