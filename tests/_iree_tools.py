"""Helpers for tests that compile and run models with the real IREE tools.

A missing tool fails the test (it never skips): the tools are dependencies of irtools.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zlib
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


_FUNC_LINE = re.compile(r"^(\s*func\.func @(\w+)\()(.*)(\) -> .*\{)\s*$")
_ARG = re.compile(r"%(\w+): (tensor<[^>]*>)")


def inline_weights(src, dst, keep=("x", "a", "k_cache", "v_cache")):
    """Rewrite a fixture whose weights are function arguments so the weights are inline
    `arith.constant dense<"0x...">` values (seeded by name, so equal names get equal data).
    Returns {function: [(arg name, type), ...]} for the arguments that remain inputs."""
    inputs, out = {}, []
    for line in Path(src).read_text().splitlines():
        m = _FUNC_LINE.match(line)
        if not m:
            out.append(line)
            continue
        args = _ARG.findall(m.group(3))
        kept = [(n, t) for n, t in args if n in keep]
        inputs[m.group(2)] = kept
        out.append(m.group(1) + ", ".join(f"%{n}: {t}" for n, t in kept) + m.group(4))
        for name, ty in args:
            if name not in keep:
                shape = [int(d) for d in re.findall(r"(\d+)x", ty)]
                rng = np.random.default_rng(zlib.crc32(name.encode()))
                data = (rng.standard_normal(shape, dtype=np.float32) * 0.05).astype("<f4")
                out.append(f'    %{name} = arith.constant dense<"0x{data.tobytes().hex().upper()}"> : {ty}')
    Path(dst).write_text("\n".join(out) + "\n")
    return inputs


def random_inputs(args, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [[int(d) for d in re.findall(r"(\d+)x", t)] for _, t in args]
    return [rng.standard_normal(s, dtype=np.float32) for s in shapes]
