"""`irtools export`: Chrome JSON, Parquet and CSV of every fixture capture, checked
against the zone table they come from."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pandas as pd
import pytest

from irtools.trace.export import export
from irtools.trace.model import Trace
from tests.helpers import TRACY, run_cli

CAPTURES = sorted(TRACY.glob("*.tracy"))


@pytest.fixture(scope="module", params=CAPTURES, ids=lambda p: p.stem)
def trace(request):
    return Trace.open(request.param)


def events(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)["traceEvents"]


def ns(us_value) -> int:
    """Three decimals of µs are exact ns once rounded back."""
    return int(round(us_value * 1000))


def test_chrome_json_has_one_complete_event_per_zone(trace, tmp_path):
    out = export(trace, tmp_path / "t.json.gz", chunk=500)  # several chunks per thread
    zones = trace.zones()
    xs = [e for e in events(out) if e["ph"] == "X"]
    assert len(xs) == len(zones)
    assert [e["name"] for e in xs] == zones["name"].astype(str).tolist()
    assert [e["tid"] for e in xs] == zones["thread"].tolist()
    assert [ns(e["ts"]) for e in xs] == zones["start_ns"].tolist()
    durations = [ns(e["dur"]) for e in xs]
    assert durations == zones["duration_ns"].tolist()
    assert sum(durations) == int(zones["duration_ns"].sum())
    texts = [e["args"].get("text", "") for e in xs]
    assert texts == zones["text"].astype(str).tolist()


def test_chrome_json_names_threads_and_keeps_plots(trace, tmp_path):
    evs = events(export(trace, tmp_path / "t.json"))
    named = {e["tid"]: e["args"]["name"] for e in evs if e["name"] == "thread_name"}
    for row in trace.threads().itertuples():
        assert named[row.thread] == (row.name or str(row.thread))
    counters = [e for e in evs if e["ph"] == "C"]
    assert len(counters) == sum(len(p) for p in trace.plots().values())


def test_chrome_json_chunking_does_not_change_the_bytes(tmp_path):
    t = Trace.open(TRACY / "tfm_prefill_llvmcpu_task.tracy")
    a = export(t, tmp_path / "a.json", chunk=7)
    b = export(t, tmp_path / "b.json.gz")
    assert open(a, "rb").read() == gzip.open(b).read()


def test_dispatch_zones_carry_source_and_function(tmp_path):
    t = Trace.open(TRACY / "tfm_prefill_llvmcpu_task.tracy")
    xs = [e for e in events(export(t, tmp_path / "t.json")) if e["ph"] == "X"]
    dispatch = next(e for e in xs if e["name"].startswith("prefill_dispatch_"))
    assert dispatch["args"]["function"] == "iree_hal_cmd_execute_dispatch_tiles"
    assert dispatch["args"]["source"].endswith(".c:" + dispatch["args"]["source"].split(":")[-1])


def test_unfinished_zones_messages_and_awkward_text(tmp_path):
    t = Trace.open(TRACY / "mlp3_llvmcpu_sync.tracy")
    last = t.zone_count - 1
    t.data.zones.end[last] = -1  # as a capture cut while a zone was open
    t.data.messages = {"time_ns": np.array([1234567, 2000000], np.int64),
                       "thread": np.array([t.data.zone_threads[0][0], 0], np.uint64),
                       "text": ['say "hi"\nnext line', "naïve, ünïcode"]}
    evs = events(export(t, tmp_path / "t.json.gz"))
    xs = [e for e in evs if e["ph"] == "X"]
    assert len(xs) == t.zone_count
    assert xs[last]["args"]["unfinished"] is True
    assert ns(xs[last]["ts"]) + ns(xs[last]["dur"]) == t.last_time_ns
    instants = [e for e in evs if e["ph"] == "i"]
    assert [e["name"] for e in instants] == t.data.messages["text"]
    assert [ns(e["ts"]) for e in instants] == [1234567, 2000000]


def test_parquet_round_trip_equals_the_zone_table(trace, tmp_path):
    import pyarrow.parquet as pq  # in the test extra: CI always has it
    out = export(trace, tmp_path / "z.parquet", chunk=1000)
    assert pq.ParquetFile(out).metadata.num_row_groups == -(-trace.zone_count // 1000)
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, trace.zones(), check_categorical=False)


def test_csv_round_trip_through_pandas(trace, tmp_path):
    out = export(trace, tmp_path / "z.csv.gz", chunk=1000)
    zones = trace.zones()
    expected = io.StringIO()
    zones.to_csv(expected, index=False, lineterminator="\n")
    assert gzip.open(out, "rt", encoding="utf-8", newline="").read() == expected.getvalue()
    back = pd.read_csv(out, keep_default_na=False, dtype={"text": str, "name": str})
    assert len(back) == len(zones)
    assert back["name"].tolist() == zones["name"].astype(str).tolist()
    assert back["text"].tolist() == zones["text"].astype(str).tolist()
    assert back["duration_ns"].sum() == zones["duration_ns"].sum()


def test_csv_keeps_missing_values_empty(tmp_path):
    t = Trace.open(TRACY / "matmul_llvmcpu_task.tracy")
    t.data.zones.end[3] = -1
    out = export(t, tmp_path / "z.csv")
    back = pd.read_csv(out)
    assert back["end_ns"].isna().tolist() == t.zones()["end_ns"].isna().tolist()
    assert back["end_ns"].isna().sum() == 1


def test_cli_default_name_and_summary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("export", TRACY / "matmul_llvmcpu_task.tracy")
    assert code == 0, err
    assert "wrote matmul_llvmcpu_task.json.gz: 621 zones" in out
    assert len([e for e in events(tmp_path / "matmul_llvmcpu_task.json.gz") if e["ph"] == "X"]) == 621
    code, out, err = run_cli("export", TRACY / "matmul_llvmcpu_task.tracy", "-o", "z.parquet")
    assert code == 0 and (tmp_path / "z.parquet").exists()


@pytest.mark.parametrize("argv, message", [
    (["-o", "z.parquet.gz"], "drop the .gz"),
    (["-o", str(TRACY / "matmul_llvmcpu_task.tracy"), "--format", "csv"], "same file as the input"),
    (["-o", "/no/such/folder/z.csv"], "output folder does not exist"),
])
def test_cli_errors_are_one_line(tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("export", TRACY / "matmul_llvmcpu_task.tracy", *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


def test_notebook_api(tmp_path):
    import irtools

    out = irtools.export(TRACY / "mlp3_llvmcpu_sync.tracy", tmp_path / "z.txt", format="csv")
    assert out == str(tmp_path / "z.txt")
    assert len(pd.read_csv(out)) == 926
