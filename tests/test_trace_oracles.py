"""The reader against Tracy's own tools: csvexport and Tracy's loading library."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import irtools
from irtools.trace import timeline
from irtools.trace.hotspots import hotspots
from irtools.trace.model import Trace
from irtools.trace.reader import read_trace
from tests.helpers import TRACY

CAPTURES = sorted(p.stem for p in TRACY.glob("*.tracy"))
WITH_ZONES = sorted(p.name[:-len(".zones.csv")] for p in TRACY.glob("*.zones.csv"))
MATMUL_VARIANTS = [c for c in CAPTURES if c.startswith("matmul_llvmcpu_task")]
KEY = ["name", "src_file", "src_line"]


@pytest.fixture(scope="module")
def traces():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = irtools.open_trace(TRACY / f"{name}.tracy")
        return cache[name]
    return get


def test_fixtures_present():
    assert len(CAPTURES) >= 7 and len(WITH_ZONES) >= 5


@pytest.mark.parametrize("name", CAPTURES)
@pytest.mark.parametrize("self_time", [False, True], ids=["total", "self"])
def test_srcloc_statistics_equal_csvexport(traces, name, self_time):
    suffix = "csvexport-self" if self_time else "csvexport"
    expected = pd.read_csv(TRACY / f"{name}.{suffix}.csv", keep_default_na=False)
    expected = expected.rename(columns={"counts": "count"}).sort_values(KEY)
    got = hotspots(traces(name), by="srcloc", self_time=self_time).sort_values(KEY)
    assert len(got) == len(expected)
    for col in KEY + ["count", "total_ns", "mean_ns", "min_ns", "max_ns"]:
        assert got[col].astype(str).tolist() == expected[col].astype(str).tolist(), col
    # csvexport prints the share with 6 decimals
    assert np.allclose(got["share"].to_numpy(), expected["total_perc"].to_numpy(), atol=5.1e-7)


def _unwrap_lines(trace: Trace, with_value: bool) -> list[str]:
    """Our zone table printed the way `csvexport -u` prints it."""
    z = trace.zones()
    z = z[z["duration_ns"].fillna(0) > 0]
    numbers = trace.compressed_thread()
    name = z["srcloc_name"].astype(str).where(z["srcloc_name"].astype(str) != "",
                                              z["function"].astype(str))
    rows = [name, z["src_file"].astype(str), z["src_line"].astype(str),
            z["start_ns"].astype(str), z["duration_ns"].astype(str),
            z["thread"].map(numbers).astype(str)]
    if with_value:
        rows.append(z["text"].astype(str))
    text = "\n".join(",".join(parts) for parts in zip(*rows))
    return sorted(text.split("\n"))


@pytest.mark.parametrize("name", CAPTURES)
def test_zone_table_equals_csvexport_unwrap(traces, name):
    raw = (TRACY / f"{name}.csvexport-unwrap.csv").read_text()
    header, _, body = raw.partition("\n")
    with_value = header.endswith(",value")
    expected = sorted(body.rstrip("\n").split("\n"))
    assert _unwrap_lines(traces(name), with_value) == expected


@pytest.mark.parametrize("name", WITH_ZONES)
def test_zone_table_equals_tracy_loader(traces, name):
    expected = pd.read_csv(TRACY / f"{name}.zones.csv", keep_default_na=False, dtype=str)
    z = traces(name).zones()
    srcloc = z["srcloc_name"].astype(str)
    got = pd.DataFrame({
        "name": srcloc.where(srcloc != "", z["function"].astype(str)),
        "zone_name": z["zone_name"].astype(str), "text": z["text"].astype(str),
        "thread_id": z["thread"].astype(str), "start_ns": z["start_ns"].astype(str),
        "dur_ns": z["duration_ns"].astype(str)})
    cols = list(expected.columns)
    a = expected.sort_values(cols).reset_index(drop=True)
    b = got.sort_values(cols).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_effective_name_prefers_the_per_zone_name(traces):
    z = traces("matmul_llvmcpu_task").zones()
    tiles = z[z["srcloc_name"].astype(str).eq("") & z["function"].astype(str).eq(
        "iree_hal_cmd_execute_dispatch_tiles")]
    assert len(tiles) == 2
    assert set(tiles["name"].astype(str)) == {"main_dispatch_0_matmul_256x256x512_f32"}


def test_version_and_compression_variants_give_identical_tables(traces):
    base = traces("matmul_llvmcpu_task")
    assert {traces(v).version for v in MATMUL_VARIANTS} == {"0.11.2", "0.12.2", "0.14.0"}
    ref = base.zones()
    ref_h = hotspots(base, by="name")
    for variant in MATMUL_VARIANTS:
        t = traces(variant)
        cols = ["thread", "depth", "start_ns", "duration_ns", "self_ns", "name", "text"]
        order = ["thread", "start_ns", "depth"]
        a = ref[cols].sort_values(order).reset_index(drop=True)
        b = t.zones()[cols].sort_values(order).reset_index(drop=True)
        for col in cols:
            assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), (variant, col)
        pd.testing.assert_frame_equal(ref_h, hotspots(t, by="name"))


def test_python_parser_matches_the_c_parser(monkeypatch):
    assert timeline.HAVE_EXTENSION, "the C extension must be built for this test to mean anything"
    fast = read_trace(TRACY / "tfm_decode_vmvx_task.tracy")
    monkeypatch.setattr(timeline, "parse_cpu", timeline.parse_cpu_py)
    slow = read_trace(TRACY / "tfm_decode_vmvx_task.tracy", threaded=False)
    for col in timeline.ZoneColumns.NAMES:
        assert np.array_equal(getattr(fast.zones, col), getattr(slow.zones, col)), col


def test_metadata(traces):
    t = traces("matmul_llvmcpu_task")
    assert t.info["capture_program"] == "iree-run-module"
    assert t.info["last_time_ns"] > 0 and t.info["resolution_ns"] >= 0
    threads = t.threads()
    assert threads["zones"].sum() == t.zone_count == 621
    assert list(t.frames()) == ["Frame"]


def test_reading_without_the_tree_gives_the_same_statistics(monkeypatch):
    path = TRACY / "tfm_prefill_llvmcpu_task.tracy"
    full, lean = Trace.open(path), Trace.open(path, tree=False)
    assert len(lean.data.zones.parent) == 0
    for by in ("name", "dispatch"):
        pd.testing.assert_frame_equal(hotspots(full, by=by), hotspots(lean, by=by))
    # Self time needs the tree: it is read again on demand.
    pd.testing.assert_frame_equal(hotspots(full, self_time=True), hotspots(lean, self_time=True))
    monkeypatch.setattr(timeline, "parse_cpu", timeline.parse_cpu_py)
    slow = read_trace(path, tree=False, threaded=False)
    assert np.array_equal(slow.zones.end, full.data.zones.end)
