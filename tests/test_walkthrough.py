"""examples/walkthrough.ipynb runs end to end on the example model, and its key cells
show the tables and plots they are there for."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers import REPO

pytestmark = pytest.mark.iree  # every test here needs IREE's tools

NOTEBOOK = REPO / "examples" / "walkthrough.ipynb"


def visible(cell) -> str:
    """The text a reader sees in a cell's outputs (HTML tags dropped)."""
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "text/html" in data:
            parts.append(re.sub(r"<[^>]+>", " ", data["text/html"]))
        elif "text/plain" in data:
            parts.append(data["text/plain"])
    return re.sub(r"\s+", " ", " ".join(parts)).replace("&amp;", "&")


def test_walkthrough_runs_and_shows_the_dispatches(tmp_path, monkeypatch):
    monkeypatch.setenv("IRTOOLS_WALKTHROUGH_DIR", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    cells = {tag: cell for cell in nb.cells for tag in cell.metadata.get("tags", [])}
    for cell in nb.cells:
        assert not [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not [o for o in cell.get("outputs", []) if o.get("name") == "stderr"
                    and "Traceback" in o.get("text", "")]

    assert "embed.weight" in visible(cells["model"])
    runs = visible(cells["runs"])
    for name in ("llvm-cpu/local-task/prefill", "llvm-cpu/local-task/decode",
                 "vmvx/local-task/prefill", "vmvx/local-task/decode"):
        assert re.search(re.escape(name) + r" ok [\d.]+ m?s [\d.]+ KiB", runs), name

    hot = visible(cells["hotspots"])
    assert "llvm-cpu/local-task/prefill" in hot and "by dispatch" in hot
    dispatches = re.findall(r"prefill_dispatch_\d+_\w+", hot)
    assert len(dispatches) == 10
    assert re.search(r"\d µs|\d ms", hot)  # human units, not raw ns
    slowest = dispatches[0]

    assert "iree-worker-0" in visible(cells["trace"])
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 3  # bars, timeline, histogram

    by_op = visible(cells["compare-functions"])
    assert "prefill vs decode, by op" in by_op and "matmul" in by_op
    targets = visible(cells["compare-targets"])
    assert "llvm-cpu vs vmvx, by dispatch" in targets
    assert len(set(re.findall(r"prefill_dispatch_\d+_\w+", targets))) == 10

    assert re.search(r"Dump ir .* snapshots [\d,]+ ", visible(cells["dump"]))
    assert re.match(r"prefill_dispatch_\d+", slowest).group(0) in visible(cells["history"])
    assert "→" in visible(cells["diff"]) and "lines" in visible(cells["diff"])

    sizes = visible(cells["sizes"])
    assert re.search(r"original [\d.]+ MiB [\d.]+ MiB 115 ", sizes)
    assert re.search(r"slim \+ llama.irpa [\d.]+ KiB [\d.]+ MiB 115 ", sizes)
    html = cells["sizes"].outputs[-1]["data"]["text/html"]
    dumps = [int(n.replace(",", "")) for n in re.findall(r'title="([\d,]+) bytes"', html)][1::2]
    assert dumps[0] > 30 * dumps[1]  # the weights, printed in every snapshot, are gone

    # Cheap enough for CI: the per-pass IR of the runs, nothing of gigabytes. The run
    # compiles with --mlir-print-debuginfo (model locations in the sources), so every op
    # of every snapshot prints its location: 712 MB in all on 2026-12-03, 63% of it
    # locations.
    used = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert used < 1 << 30, used
