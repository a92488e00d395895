"""How the notebook objects read in Jupyter: names and human units in their HTML."""

from __future__ import annotations

import pandas as pd
import pytest

import irtools
from irtools.irdiff.diff import Diff
from irtools.units import human_bytes, human_ns
from tests.helpers import TRACY, text_of


def test_trace_says_what_it_is(prefill):
    assert repr(prefill) == ("<Trace 'tfm_prefill_llvmcpu_task.tracy' iree-run-module: "
                             "2,228 zones, 7 threads, 281.98 ms, Tracy 0.11.2>")
    shown = text_of(prefill._repr_html_())
    for part in ("tfm_prefill_llvmcpu_task.tracy", "iree-run-module", "2,228", "281.98 ms",
                 "iree-worker-0", "Main thread", "Tracy 0.11.2", "zstd, 4 streams"):
        assert part in shown, part


def test_hotspot_table_is_a_dataframe_shown_in_human_units(prefill):
    h = irtools.hotspots(prefill, by="dispatch", top=5)
    assert isinstance(h, pd.DataFrame)
    assert h["wall_ns"].dtype.kind == "i"  # scripts still get integer ns
    html = h._repr_html_()
    shown = text_of(html)
    assert "tfm_prefill_llvmcpu_task.tracy, 281.98 ms captured, by dispatch" in shown
    top = h.iloc[0]
    assert top["name"] == "prefill_dispatch_4_attention_4x64x64x64x64"
    assert f"{top['name']} " in shown
    assert human_ns(top["wall_ns"]) in shown and "ms" in human_ns(top["wall_ns"])
    assert f'title="{top["wall_ns"]} ns"' in html  # the exact value on hover
    assert f"{top['share']:.2f}%" in shown and f"{top['parallelism']:.2f}" in shown
    assert "Wall: invocation spans" in shown  # which time is which
    # Still a table of its kind after the usual pandas steps.
    assert "by dispatch" in text_of(h.sort_values("invocations").head(2)._repr_html_())


def test_long_tables_are_cut_with_a_note(prefill):
    h = irtools.hotspots(prefill)
    assert len(h) > 40
    shown = text_of(h._repr_html_())
    assert f"40 of {len(h):,} rows shown" in shown


def test_vmvx_warning_is_shown():
    h = irtools.hotspots(TRACY / "tfm_decode_vmvx_task.tracy", by="dispatch")
    assert "note: " in text_of(h._repr_html_()) and "HAL profile" in text_of(h._repr_html_())


def test_comparison_shows_labels_signed_deltas_and_ratios(prefill):
    c = irtools.compare(TRACY / "matmul_llvmcpu_task.tracy", TRACY / "mlp3_llvmcpu_sync.tracy",
                        labels=("matmul", "mlp3"), top=5)
    html = c._repr_html_()
    shown = text_of(html)
    assert ("matmul_llvmcpu_task.tracy (matmul) vs mlp3_llvmcpu_sync.tracy (mlp3), by name"
            in shown)
    first = c.iloc[0]
    assert first["name"] == "main"
    assert "+" + human_ns(first["delta_ns"]) in shown
    assert f"{first['ratio']:.2f}x" in shown
    assert "new" in shown  # iree_hal_deferred_command_buffer_apply exists only in mlp3
    assert "color:#c0392b" in html  # slower is red


@pytest.mark.iree
def test_dump_and_diff(dumps):
    path = dumps("a_mm_elem", "a")
    d = irtools.open_dump(path)
    passes = d.passes()
    r = repr(d)
    assert r.startswith(f"<Dump '{path.name}': {len(d):,} snapshots, ")
    assert human_bytes(path.stat().st_size) in r
    shown = text_of(d._repr_html_())
    changed = int((passes["changed"] == "changed").sum())
    assert f"{changed:,} snapshots" in shown
    assert f"{len(d):,} ({len(d):,} after, 0 before a pass)" in shown
    last = passes.iloc[-1]
    assert f"#{last['index']} after {last['pass'].split('::')[-1]}" in shown
    assert human_bytes(d.index.snapshots[-1].size) in shown

    diff = d.diff(1)
    added, removed = diff.counts()
    assert added and removed
    assert repr(diff) == f"<Diff {diff.a_label!r} -> {diff.b_label!r}: +{added} -{removed} lines>"
    html = diff._repr_html_()
    assert f"+{added} −{removed} lines" in text_of(html)
    assert "util.func public @main" in html and "&lt;" in html  # IR text escaped
    assert html.count("color:#1e8449") == added


def test_long_diff_is_cut():
    diff = Diff("a", "b", [f"x{i}" for i in range(1000)], [f"y{i}" for i in range(1000)])
    shown = text_of(diff._repr_html_())
    assert "+1000 −1000 lines" in shown
    assert "400 of 2,003 diff lines shown" in shown
    same = Diff("a", "b", ["x"], ["x"])
    assert "no difference" in text_of(same._repr_html_())
