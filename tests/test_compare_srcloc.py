"""`compare --by srcloc` pairs source locations by identity, not by their printed fields.

Two source locations may print the same name, file and line (a `ZoneScoped` in a
C++ template instantiated twice). No fixture has such a pair, so one is made from a
real capture: srcloc 119 (iree_io_stdio_stream_read) is given the fields of srcloc
118 (iree_io_stream_read); zones and ids stay as captured.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

import irtools
from irtools.trace.model import Trace
from tests import tracy_writer
from tests.helpers import TRACY, run_cli

CAPTURES = sorted(p.stem for p in TRACY.glob("*.tracy"))
MLP3 = TRACY / "mlp3_llvmcpu_sync.tracy"


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    return tracy_writer.duplicate_srcloc(MLP3, tmp_path_factory.mktemp("twins") / "twins.tracy",
                                         118, 119)


def _path(name, twins):
    return twins if name == "twins" else TRACY / f"{name}.tracy"


def test_the_twins_print_alike_and_differ_in_instance(twins):
    h = irtools.hotspots(twins, by="srcloc")
    pair = h[h["name"] == "iree_io_stream_read"]
    assert len(pair) == 2
    assert pair[["src_file", "src_line", "src_function", "src_color"]].nunique().max() == 1
    assert sorted(pair["src_instance"]) == [0, 1]
    assert pair["total_ns"].nunique() == 2  # two different source locations' zones


@pytest.mark.parametrize("name", CAPTURES + ["twins"])
def test_a_capture_against_itself_gives_one_row_per_srcloc_and_no_delta(name, twins):
    trace = Trace.open(_path(name, twins))
    table = irtools.hotspots(trace, by="srcloc")
    compared = irtools.compare(trace, trace, by="srcloc")
    assert len(compared) == len(table) > 0
    assert (compared["delta_ns"] == 0).all()
    assert (compared["count_a"] == compared["count_b"]).all()
    assert sorted(compared["total_ns_a"]) == sorted(table["total_ns"])


def test_cli_compare_of_the_twins_with_themselves(twins):
    code, out, _ = run_cli("compare", twins, twins, "--by", "srcloc", "--format", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    rows = len(irtools.hotspots(twins, by="srcloc"))
    assert len(frame) == rows and (frame["delta_ns"] == 0).all()


def test_a_srcloc_whose_fields_changed_is_another_srcloc(twins):
    """Across captures: the twin no longer matches iree_io_stdio_stream_read (its fields
    changed) and is new; everything else pairs with zero delta."""
    compared = irtools.compare(MLP3, twins, by="srcloc")
    rows = len(irtools.hotspots(MLP3, by="srcloc"))
    assert len(compared) == rows + 1
    moved = compared[compared["delta_ns"] != 0]
    assert sorted(moved["name"]) == ["iree_io_stdio_stream_read", "iree_io_stream_read"]
    assert moved.set_index("name")["src_instance"].to_dict() == {
        "iree_io_stdio_stream_read": 0, "iree_io_stream_read": 1}
