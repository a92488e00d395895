"""Plots, drawn headless (Agg) on a real capture: what they show, not just that they draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import irtools  # noqa: E402
from irtools import plot  # noqa: E402
from irtools.errors import UsageError  # noqa: E402
from tests.helpers import TRACY  # noqa: E402

ATTENTION = "prefill_dispatch_4_attention_4x64x64x64x64"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_duration_histogram_counts_every_zone_of_the_name(prefill, tmp_path):
    zones = prefill.zones()
    durations = zones.loc[zones["name"] == ATTENTION, "duration_ns"].to_numpy(np.int64)
    ax = plot.duration_histogram(prefill, ATTENTION, bins=20)
    assert len(ax.patches) == 20
    assert sum(p.get_height() for p in ax.patches) == len(durations) == 16
    assert ax.get_xlabel() == "duration (µs)"  # the median is 821.74 µs
    assert ax.get_title(loc="left") == f"{ATTENTION}: 16 zones"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"median {irtools.units.human_ns(np.median(durations))}"
    ax.figure.savefig(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 5000
    # A zones DataFrame does as well as the Trace.
    assert len(plot.duration_histogram(zones, ATTENTION, bins=5).patches) == 5
    with pytest.raises(UsageError, match="no finished zone"):
        plot.duration_histogram(prefill, "no such zone")


def test_hotspot_bars_show_the_slowest_first(prefill):
    table = irtools.hotspots(prefill, by="dispatch")
    ax = plot.hotspot_bars(table, top=5)
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())),
                   reverse=True)
    assert [name for _, name in ticks] == table["name"].head(5).tolist()  # slowest on top
    widths = sorted((p.get_y(), p.get_width()) for p in ax.patches)
    assert [w for _, w in widths][::-1] == pytest.approx(table["wall_ns"].head(5) / 1e6)
    assert ax.get_xlabel() == "wall (ms)"
    assert "61.7%" in [t.get_text().strip() for t in ax.texts]
    ax = plot.hotspot_bars(table, top=8)
    assert "0.058%" in [t.get_text().strip() for t in ax.texts]  # small shares keep 2 digits
    ax = plot.hotspot_bars(table, column="cpu_ns")
    assert ax.get_xlabel() == "cpu (ms)"
    assert ax.get_title(loc="left") == \
        "tfm_prefill_llvmcpu_task.tracy, 281.98 ms captured, by dispatch"
    by_op = plot.hotspot_bars(irtools.hotspots(prefill, by="op"))
    assert "attention" in [t.get_text() for t in by_op.get_yticklabels()]


def test_timeline_draws_each_zone_of_the_top_dispatches_on_its_thread(prefill):
    top = irtools.hotspots(prefill, by="dispatch", top=3)["name"].tolist()
    zones = prefill.zones()
    expected = zones[zones["name"].isin(top)]
    ax = plot.timeline(prefill, top=3)
    bars = sum(len(c.get_paths()) for c in ax.collections)
    assert bars == len(expected)
    assert [t.get_text() for t in ax.get_yticklabels()] == \
        sorted(expected["thread_name"].astype(str).unique())  # iree-worker-0, -1 by tid
    assert [t.get_text() for t in ax.get_legend().get_texts()] == top
    assert ax.get_title(loc="left") == f"{len(expected)} zones of 3 dispatches"
    window = plot.timeline(prefill, names=[ATTENTION], end_ns=int(expected["start_ns"].min()))
    assert sum(len(c.get_paths()) for c in window.collections) < 16


def test_timeline_says_when_there_is_nothing_to_draw():
    with pytest.raises(UsageError, match="no named dispatch zones"):
        plot.timeline(TRACY / "tfm_decode_vmvx_task.tracy")
