"""Fixtures of the TUI tests: run directories made by the real `irtools run`, a private cache.

Nothing is mocked: `irtools run` compiles with iree-compile and captures with Tracy;
a missing tool fails the fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests._iree_tools import make_llama

# A model small enough that its per-pass IR dump stays near 100 MB.
TINY = ["--vocab", "32", "--hidden", "16", "--heads", "1", "--ffn", "32", "--layers", "1",
        "--seq", "8", "--seed", "1"]


@pytest.fixture(scope="session", autouse=True)
def tui_cache(tmp_path_factory):
    """Every TUI test session starts with an empty cache of its own."""
    path = tmp_path_factory.mktemp("irtools-cache")
    old = os.environ.get("IRTOOLS_CACHE")
    os.environ["IRTOOLS_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("IRTOOLS_CACHE", None)
    else:
        os.environ["IRTOOLS_CACHE"] = old


def irtools_run(cwd, *args):
    proc = subprocess.run([sys.executable, "-m", "irtools", "run", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        pytest.fail(f"irtools run {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


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
