"""How a run directory reads in a notebook, and its runs' own IR dumps.

The run directory is written by hand (a manifest as `irtools run` writes it), so
these checks need no run; the IR dump is a real tree-dir compile.
"""

from __future__ import annotations

import pytest

import irtools
from irtools.errors import UsageError
from irtools.run.layout import MANIFEST, write_json
from irtools.run.manifest import SCHEMA
from tests.helpers import text_of


def _entry(name, status, **extra):
    backend, device, function = name.split("/")
    return {"name": name, "target": backend, "backend": backend, "device": device,
            "function": function, "dir": name, "status": status, "trace": None, **extra}


@pytest.fixture
def rundir(tmp_path):
    root = tmp_path / "llama-run"
    trace = root / "llvm-cpu/local-task/prefill/trace.tracy"
    trace.parent.mkdir(parents=True)
    trace.write_bytes(b"\0" * 24_780)
    long_error = "iree-run-module failed with exit code 1: INVALID_ARGUMENT; " + "x" * 400
    write_json(root / MANIFEST, {"schema": SCHEMA, "status": "done", "model": "/m/llama.mlir",
                                 "runs": [
        _entry("llvm-cpu/local-task/prefill", "ok", run_seconds=0.339,
               trace="llvm-cpu/local-task/prefill/trace.tracy"),
        _entry("vmvx/local-task/decode", "failed", run_seconds=1.5, error=long_error),
        _entry("vulkan/vulkan/prefill", "skipped", error="no vulkan device on this machine"),
    ]})
    return irtools.open_run(root)


def test_run_dir_repr_counts_its_runs(rundir):
    assert repr(rundir) == "<RunDir 'llama-run': 3 runs (1 ok, 1 failed, 1 skipped)>"


def test_run_dir_html_lists_runs_in_human_units(rundir):
    html = rundir._repr_html_()
    shown = text_of(html)
    assert "llama-run (llama.mlir): 3 runs, 1 ok, 1 failed, 1 skipped" in shown
    assert "name status run_ns trace_bytes error" in shown
    assert "llvm-cpu/local-task/prefill ok 339.00 ms 24.2 KiB " in shown
    assert 'title="24,780 bytes"' in html and 'title="339000000 ns"' in html
    assert ("vmvx/local-task/decode failed 1.50 s iree-run-module failed with exit code 1: "
            "INVALID_ARGUMENT") in shown
    assert "xxx…" in shown and "x" * 200 not in shown  # long errors are cut
    assert "vulkan/vulkan/prefill skipped no vulkan device on this machine" in shown


def test_a_run_that_did_not_finish_says_so(rundir):
    rundir.manifest["status"] = "interrupted"
    assert "1 skipped, run interrupted" in text_of(rundir._repr_html_())


@pytest.mark.iree
def test_run_dump_opens_the_runs_ir_folder(rundir, trees):
    run = rundir.runs[0]
    with pytest.raises(UsageError, match="has no IR dump"):
        run.dump()
    tree = trees("a_mm_elem", "a")
    run.entry["ir_dump"] = str(tree)  # absolute: the root / path join keeps it
    dump = run.dump()
    assert len(dump) == len(irtools.open_dump(tree)) > 0
    assert repr(dump).startswith(f"<Dump {tree.name!r}: ")
