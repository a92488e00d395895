"""The roofline plot of a real run, drawn headless: what it shows, not just that it draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import irtools  # noqa: E402
from irtools import plot  # noqa: E402
from irtools.analysis.peak import Ceilings  # noqa: E402
from irtools.errors import UsageError  # noqa: E402
from tests.helpers import MODELS, run_cli  # noqa: E402

pytestmark = pytest.mark.iree

# Ceilings as `irtools peak` stores them (numbers of the machine this was written on).
CEILINGS = Ceilings("llvm-cpu", "llvm-cpu", "local-task", 2, 134.7e9,
                    [(64 << 10, 94.8e9), (1 << 20, 74.9e9), (64 << 20, 28.9e9)])


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    root = tmp_path_factory.mktemp("plot") / "tfm"
    code, _, err = run_cli("run", MODELS / "c_tfm_ext.mlir", "-o", root, "--function", "prefill",
                           "--top", "0")
    assert code == 0, err
    return irtools.open_run(root).explain(ceilings=CEILINGS)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_roofline_shows_every_dispatch_with_flops_and_the_ceilings(table):
    ax = plot.roofline(table, top=3)
    with_flops = table[(table["flops"] > 0) & table["gflops"].notna()]
    [points] = ax.collections
    assert len(points.get_offsets()) == len(with_flops)
    np.testing.assert_allclose(sorted(points.get_offsets()[:, 0]), sorted(with_flops["intensity"]))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["compute 135 GFLOP/s", "memory 95 GB/s at 64 KiB", "memory 29 GB/s at 65,536 KiB"]
    assert len(ax.texts) == 3 and any("attention" in t.get_text() for t in ax.texts)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_title(loc="left") == f"{len(with_flops)} dispatches, llvm-cpu on local-task"
    # every point sits on or under the roofline
    for x, y in points.get_offsets():
        assert y <= min(134.7, x * 94.8) * 1.0001


def test_roofline_needs_an_explained_table(table):
    with pytest.raises(UsageError, match="intensity"):
        plot.roofline(table[["name", "wall_ns"]])
