"""Helpers for tests that compile and run models with the real IREE tools.

A missing tool fails the test (it never skips): the tools are dependencies of irtools.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
MAKE_LLAMA = REPO / "examples" / "make_llama.py"

BACKEND_FLAGS = {
    "llvm-cpu": ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
                 "--iree-llvmcpu-target-cpu=host"],
    "vmvx": ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=vmvx"],
}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not on PATH; install iree-base-compiler/iree-base-runtime 3.13")
    return path


def run_checked(argv, timeout=600):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, argv))} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def make_llama(path, *args):
    run_checked([sys.executable, str(MAKE_LLAMA), str(path), *map(str, args)])
    return Path(path)


def compile_mlir(mlir, vmfb, backend="llvm-cpu", extra=()):
    run_checked([tool("iree-compile"), str(mlir), *BACKEND_FLAGS[backend], *extra, "-o", str(vmfb)])
    return Path(vmfb)


def run_function(vmfb, function, inputs, n_outputs, workdir, *, device="local-task", parameters=None):
    """Run one function with .npy inputs; return its outputs as numpy arrays."""
    workdir = Path(workdir)
    argv = [tool("iree-run-module"), f"--module={vmfb}", f"--device={device}", f"--function={function}"]
    if parameters:
        argv.append(f"--parameters={parameters}")
    for i, array in enumerate(inputs):
        path = workdir / f"{function}_in{i}.npy"
        np.save(path, array)
        argv.append(f"--input=@{path}")
    outs = [workdir / f"{function}_{Path(vmfb).stem}_out{i}.npy" for i in range(n_outputs)]
    argv += [f"--output=@{p}" for p in outs]
    run_checked(argv)
    return [np.load(p) for p in outs]
