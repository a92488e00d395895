"""Fixtures of the TUI tests: run directories made by the real `irtools run`, an IR dump.

Nothing is mocked: `irtools run` compiles with iree-compile and captures with Tracy;
a missing tool fails the fixture.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import MODELS, irtools_run, make_llama, tool

# A model small enough that its per-pass IR dump stays near 100 MB.
TINY = ["--vocab", "32", "--hidden", "16", "--heads", "1", "--ffn", "32", "--layers", "1",
        "--seq", "8", "--seed", "1"]


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """`root` holding runs/llvm (llvm-cpu, prefill and decode, with the IR dump) and
    runs/vmvx (vmvx, prefill and decode), both of tiny.mlir."""
    root = tmp_path_factory.mktemp("tui-runs")
    make_llama(root / "tiny.mlir", *TINY)
    irtools_run(root, "tiny.mlir", "--target", "llvm-cpu", "--ir-dump", "--top", "0",
                "-o", "runs/llvm")
    irtools_run(root, "tiny.mlir", "--target", "vmvx", "--top", "0", "-o", "runs/vmvx")
    return root


@pytest.fixture(scope="session")
def flow_dump(tmp_path_factory):
    """A folder holding dump.mlir: a_mm_elem compiled to flow, IR before and after each pass.

    The later, target-specific passes do not always print the same IR twice (tile sizes
    vary from one compile to the next), so the snapshot tests stop before them.
    """
    root = tmp_path_factory.mktemp("flow-dump")
    with open(root / "dump.mlir", "w") as err:
        proc = subprocess.run([tool("iree-compile"), str(MODELS / "a_mm_elem.mlir"),
                               "--iree-hal-target-device=local",
                               "--iree-hal-local-target-device-backends=llvm-cpu",
                               "--compile-to=flow", "--mlir-print-ir-before-all",
                               "--mlir-print-ir-after-all", "--mlir-disable-threading",
                               "-o", str(root / "flow.mlir")], stderr=err, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"iree-compile failed ({proc.returncode}); see {root / 'dump.mlir'}")
    return root
